/* Unit test: a distro's /etc/lxs.conf (init/distro-conf.c): values, defaults, and the warnings
 * a user sees for unknown keys, bad values and broken lines, parsing going on after them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "distro-conf.h"

static void parse(struct lxs_distro_conf *c, const char *text)
{
        CHECK(lxs_distro_conf_init(c) == 0);
        CHECK(lxs_distro_conf_parse(c, text, strlen(text)) == 0);
}

static int has_warning(const struct lxs_distro_conf *c, const char *w)
{
        for (size_t i = 0; i < c->n_warnings; i++)
                if (strcmp(c->warnings[i], w) == 0)
                        return 1;
        fprintf(stderr, "missing warning: %s\n", w);
        for (size_t i = 0; i < c->n_warnings; i++)
                fprintf(stderr, "  have: %s\n", c->warnings[i]);
        return 0;
}

int main(void)
{
        struct lxs_distro_conf c;
        parse(&c, "");
        CHECK(c.generate_hosts && c.generate_resolv_conf && c.automount_enabled && c.interop_enabled &&
              c.interop_append_host_path);
        CHECK(!c.default_user && !c.boot_command && !c.hostname);
        CHECK(strcmp(c.automount_root, "/mnt/host/") == 0);
        CHECK(c.n_warnings == 0);
        lxs_distro_conf_free(&c);

        parse(&c, "[user]\ndefault = ann\n[boot]\ncommand = \"service ssh start\"\n"
                  "[network]\nhostname = box-1\ngenerateHosts = false\ngenerateResolvConf = no\n"
                  "[automount]\nenabled = false\nroot = /media/\n[interop]\nenabled = 0\nappendHostPath = off\n");
        CHECK(strcmp(c.default_user, "ann") == 0);
        CHECK(strcmp(c.boot_command, "service ssh start") == 0);
        CHECK(strcmp(c.hostname, "box-1") == 0);
        CHECK(!c.generate_hosts && !c.generate_resolv_conf && !c.automount_enabled && !c.interop_enabled &&
              !c.interop_append_host_path);
        CHECK(strcmp(c.automount_root, "/media/") == 0);
        CHECK(c.n_warnings == 0);
        lxs_distro_conf_free(&c);

        /* Each problem is one warning with its line; what follows is still read. */
        parse(&c, "[user]\n"                    /* 1 */
                  "default = ann\n"             /* 2 */
                  "shell = zsh\n"               /* 3 */
                  "this is not ini\n"           /* 4 */
                  "[network]\n"                 /* 5 */
                  "generatehosts = false\n"     /* 6 */
                  "generateResolvConf = maybe\n" /* 7 */
                  "hostname = -bad\n"           /* 8 */
                  "[wsl2]\n"                    /* 9 */
                  "memory = 4GB\n"              /* 10 */
                  "swap = 0\n"                  /* 11 */
                  "[boot\n"                     /* 12 */
                  "command = touch /x\n"        /* 13: still [wsl2] */
                  "[automount]\n"               /* 14 */
                  "root = mnt\n"                /* 15 */
                  "= 1\n"                       /* 16 */
                  "enabled = false\n");         /* 17 */
        CHECK(strcmp(c.default_user, "ann") == 0);
        CHECK(has_warning(&c, "/etc/lxs.conf:3: unknown key 'shell' in [user]"));
        CHECK(has_warning(&c, "/etc/lxs.conf:4: expected 'key = value' or '[section]'; line ignored"));
        CHECK(has_warning(&c, "/etc/lxs.conf:6: unknown key 'generatehosts' in [network] (did you mean 'generateHosts'?)"));
        CHECK(has_warning(&c, "/etc/lxs.conf:7: network.generateResolvConf: 'maybe' is not true or false; the default is used"));
        CHECK(has_warning(&c, "/etc/lxs.conf:8: network.hostname: '-bad' is not a valid hostname; the default is used"));
        CHECK(has_warning(&c, "/etc/lxs.conf:10: unknown section [wsl2] ignored"));
        CHECK(has_warning(&c, "/etc/lxs.conf:12: bad section header (expected [name]); line ignored"));
        CHECK(has_warning(&c, "/etc/lxs.conf:15: automount.root: 'mnt' is not an absolute path; the default is used"));
        CHECK(has_warning(&c, "/etc/lxs.conf:16: missing key before '='; line ignored"));
        CHECK(c.n_warnings == 9);
        CHECK(c.generate_hosts && c.generate_resolv_conf && !c.hostname && !c.boot_command);
        CHECK(strcmp(c.automount_root, "/mnt/host/") == 0);
        CHECK(!c.automount_enabled); /* line 17, after two broken lines */
        lxs_distro_conf_free(&c);

        /* A runaway file gives a bounded number of warnings, the last one saying so. */
        char big[64 * 200] = "";
        for (int i = 0; i < 200; i++)
                strcat(big, "junk\n");
        parse(&c, big);
        CHECK(c.n_warnings == 64);
        CHECK(strcmp(c.warnings[63], "/etc/lxs.conf: more warnings not shown") == 0);
        lxs_distro_conf_free(&c);

        /* Reading through a root: a symlink pointing out of it stays inside. */
        char root[] = "/tmp/lxs-test-conf-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        char p[256];
        snprintf(p, sizeof(p), "%s/etc", root);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/lxs.conf", root);
        CHECK(symlink("/etc/passwd", p) == 0); /* the host's passwd: not an INI file */
        int fd = open(root, O_PATH | O_DIRECTORY);
        CHECK(lxs_distro_conf_init(&c) == 0);
        CHECK(lxs_distro_conf_load(&c, fd) == 0);
        CHECK(c.n_warnings == 0); /* resolves to <root>/etc/passwd, which does not exist */
        lxs_distro_conf_free(&c);
        unlink(p);
        FILE *f = fopen(p, "w");
        fputs("[boot]\ncommand = true\n", f);
        fclose(f);
        CHECK(lxs_distro_conf_init(&c) == 0);
        CHECK(lxs_distro_conf_load(&c, fd) == 0);
        CHECK(c.boot_command && strcmp(c.boot_command, "true") == 0);
        lxs_distro_conf_free(&c);
        close(fd);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        CHECK(system(cmd) == 0);
        return check_result("test-distro-conf");
}
