/* lxs-mkimage: builds the guest's initramfs, an uncompressed newc cpio.
 *
 *   lxs-mkimage --init PATH --out FILE [--kernel K] [--busybox PATH]
 *               [--modules DIR/lib/modules/REL --modules-list FILE] [--tool PATH]...
 *
 * Contents: the skeleton directories, /dev/console and /dev/null (so the kernel can open the
 * console before devtmpfs is mounted), /init, busybox with one symlink per applet (the list
 * comes from the busybox binary itself, so it always matches), the kernel modules named in the
 * modules list plus their dependencies as /lib/modules/<name>.ko, /etc/lxs/modules.load
 * ("<phase> /lib/modules/<name>.ko" lines, dependencies first), /etc/lxs/kernel.release and
 * each --tool as /lib/lxs/<its file name> (static programs /init runs inside distros).
 * Without --busybox/--modules it makes the minimal image benchmarks boot.
 * Uncompressed because under TCG the kernel's decompressor is the slow part of unpacking
 * (measured: see bench/). The output is written to a temporary file and renamed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpio.h"
#include "elf-static.h"
#include "fd-util.h"
#include "module-sig.h"
#include "modules-dep.h"
#include "vm.h"

/* Larger than any module Debian ships (ext4.ko is about 1 MiB). */
#define MODULE_MAX (64u << 20)

#define PROG "lxs-mkimage"

static const struct {
        const char *path;
        mode_t perm;
} skeleton_dirs[] = {
        { "dev", 0755 },  { "proc", 0555 },    { "sys", 0555 },      { "run", 0755 },
        { "tmp", 01777 }, { "mnt", 0755 },     { "etc", 0755 },      { "etc/lxs", 0755 },
        { "root", 0700 }, { "bin", 0755 },     { "sbin", 0755 },     { "usr/bin", 0755 },
        { "usr/sbin", 0755 }, { "lib/modules", 0755 }, { "lib/lxs", 0755 },
};

static const struct {
        const char *path;
        unsigned major, minor;
        mode_t perm;
} device_nodes[] = {
        { "dev/console", 5, 1, 0600 },
        { "dev/null", 1, 3, 0666 },
};

/* Directories busybox installs applets into; anything else it lists (linuxrc) is skipped. */
static const char *const applet_dirs[] = { "bin/", "sbin/", "usr/bin/", "usr/sbin/" };

#define TOOLS_MAX 8

struct options {
        const char *init, *out, *kernel, *busybox, *modules, *modules_list;
        const char *tools[TOOLS_MAX];
        size_t n_tools;
};

static int fail(const char *what, int err)
{
        fprintf(stderr, PROG ": %s: %s\n", what, strerror(err < 0 ? -err : err));
        return 1;
}

static int failf(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(int err, const char *fmt, ...)
{
        fprintf(stderr, PROG ": ");
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
        return 1;
}

/* Runs `prog --list-full` and returns its stdout. */
static int busybox_applets(const char *busybox, char **out)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int rd = pipefd[0], wr = pipefd[1];
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                dup2(wr, STDOUT_FILENO);
                execl(busybox, busybox, "--list-full", (char *)NULL);
                _exit(127);
        }
        lxs_closep(&wr);
        wr = -1;
        size_t cap = 16384, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        int r = buf ? 0 : -ENOMEM;
        while (r == 0) {
                if (len + 1 == cap) {
                        char *grown = realloc(buf, cap *= 2);
                        if (!grown) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = grown;
                }
                ssize_t n = read(rd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = -errno;
                else if (n == 0)
                        break;
                else
                        len += (size_t)n;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0)
                return -ENOEXEC;
        buf[len] = '\0';
        *out = TAKE_PTR(buf);
        return 0;
}

static bool is_applet_path(const char *p)
{
        for (size_t i = 0; i < LXS_ARRAY_SIZE(applet_dirs); i++)
                if (strncmp(p, applet_dirs[i], strlen(applet_dirs[i])) == 0)
                        return strcmp(p, "bin/busybox") != 0 && !strchr(p + strlen(applet_dirs[i]), '/');
        return false;
}

static int add_busybox(struct lxs_cpio *c, const char *busybox)
{
        int r = lxs_elf_is_static(busybox);
        if (r == 0)
                r = -ENOEXEC;
        if (r < 0)
                return failf(r, "busybox %s must be a static executable", busybox);
        r = lxs_cpio_add_file_from(c, "bin/busybox", 0755, busybox);
        if (r < 0)
                return failf(r, "add %s", busybox);
        _cleanup_free_ char *list = NULL;
        r = busybox_applets(busybox, &list);
        if (r < 0)
                return failf(r, "%s --list-full", busybox);
        char *save = NULL;
        for (char *line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!is_applet_path(line))
                        continue;
                r = lxs_cpio_add_symlink(c, line, "/bin/busybox");
                if (r < 0)
                        return failf(r, "add applet %s", line);
        }
        return 0;
}

static int add_modules(struct lxs_cpio *c, const char *dir, const char *list_path)
{
        _cleanup_free_ char *text = NULL, *storage = NULL, *missing = NULL;
        _cleanup_free_ struct lxs_module_request *req = NULL;
        size_t n_req;
        unsigned bad_line = 0;
        int r = lxs_read_file(list_path, 1 << 20, &text);
        if (r < 0)
                return failf(r, "read %s", list_path);
        r = lxs_modules_list_parse(text, &req, &n_req, &storage, &bad_line);
        if (r == -EINVAL) {
                fprintf(stderr, PROG ": %s:%u: expected \"boot|later <module>\"\n", list_path, bad_line);
                return 1;
        }
        if (r < 0)
                return failf(r, "parse %s", list_path);

        struct lxs_modules_dep *dep = NULL;
        r = lxs_modules_dep_load(dir, &dep);
        if (r < 0)
                return failf(r, "read %s/modules.dep (run depmod -b for an extracted kernel?)", dir);
        struct lxs_module_plan plan;
        r = lxs_modules_resolve(dep, req, n_req, &plan, &missing);
        lxs_modules_dep_free(dep);
        if (r == -ENOENT && missing) {
                fprintf(stderr, PROG ": module %s: not in %s/modules.dep nor built in\n", missing, dir);
                return 1;
        }
        if (r < 0)
                return failf(r, "resolve modules in %s", dir);

        _cleanup_free_ char *load = NULL;
        size_t load_len = 0;
        _cleanup_fclose_ FILE *load_f = open_memstream(&load, &load_len);
        int ret = load_f ? 0 : fail("open_memstream", errno);
        for (size_t i = 0; i < plan.n && ret == 0; i++) {
                const struct lxs_module_entry *e = &plan.entries[i];
                size_t plen = strlen(e->path);
                if (plen < 3 || strcmp(e->path + plen - 3, ".ko") != 0) {
                        fprintf(stderr, PROG ": module %s: compressed modules (%s) are not supported\n",
                                e->name, e->path);
                        ret = 1;
                        break;
                }
                _cleanup_free_ char *src = NULL, *dst = NULL;
                if (asprintf(&src, "%s/%s", dir, e->path) < 0 ||
                    asprintf(&dst, "/lib/modules/%s.ko", e->name) < 0) {
                        ret = fail("asprintf", ENOMEM);
                        break;
                }
                /* Unsigned: see module-sig.h for why. */
                _cleanup_free_ char *ko = NULL;
                r = lxs_read_file(src, MODULE_MAX, &ko);
                if (r >= 0)
                        r = lxs_cpio_add_file(c, dst, 0644, ko, lxs_module_unsigned_len((const uint8_t *)ko, (size_t)r));
                if (r < 0) {
                        ret = failf(r, "add %s", src);
                        break;
                }
                fprintf(load_f, "%s %s\n", lxs_module_phase_name(e->phase), dst);
        }
        lxs_module_plan_free(&plan);
        if (ret)
                return ret;
        if (fflush(load_f) != 0)
                return fail("modules.load", ENOMEM);
        r = lxs_cpio_add_file(c, "etc/lxs/modules.load", 0644, load, load_len);
        return r < 0 ? fail("add etc/lxs/modules.load", r) : 0;
}

static int add_release(struct lxs_cpio *c, const char *kernel, const char *modules)
{
        _cleanup_free_ char *release = NULL, *line = NULL;
        int r = lxs_kernel_release(kernel, &release);
        if (r < 0)
                return failf(r, "kernel release of %s", kernel);
        if (modules) {
                const char *base = strrchr(modules, '/');
                base = base ? base + 1 : modules;
                if (strcmp(base, release) != 0) {
                        fprintf(stderr, PROG ": modules %s are not for kernel %s (release %s)\n",
                                modules, kernel, release);
                        return 1;
                }
        }
        if (asprintf(&line, "%s\n", release) < 0)
                return fail("asprintf", ENOMEM);
        r = lxs_cpio_add_file(c, "etc/lxs/kernel.release", 0644, line, strlen(line));
        return r < 0 ? fail("add etc/lxs/kernel.release", r) : 0;
}

/* A tool runs inside a distro's container, whose libraries are not ours: it must be static. */
static int add_tool(struct lxs_cpio *c, const char *path)
{
        int r = lxs_elf_is_static(path);
        if (r == 0)
                r = -ENOEXEC;
        if (r < 0)
                return failf(r, "tool %s must be a static executable", path);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        _cleanup_free_ char *dst = NULL;
        if (!*base || asprintf(&dst, "lib/lxs/%s", base) < 0)
                return failf(EINVAL, "tool %s", path);
        r = lxs_cpio_add_file_from(c, dst, 0755, path);
        return r < 0 ? failf(r, "add %s", path) : 0;
}

static int write_image(const struct options *o, FILE *f)
{
        struct lxs_cpio c;
        lxs_cpio_init(&c, f);
        int ret = 0, r = 0;
        for (size_t i = 0; i < LXS_ARRAY_SIZE(skeleton_dirs) && r == 0; i++)
                r = lxs_cpio_add_dir(&c, skeleton_dirs[i].path, skeleton_dirs[i].perm);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(device_nodes) && r == 0; i++)
                r = lxs_cpio_add_device(&c, device_nodes[i].path, S_IFCHR, device_nodes[i].perm,
                                        device_nodes[i].major, device_nodes[i].minor);
        if (r < 0)
                ret = fail("write skeleton", r);
        if (!ret) {
                r = lxs_cpio_add_file_from(&c, "init", 0755, o->init);
                if (r < 0)
                        ret = failf(r, "add init %s", o->init);
        }
        if (!ret && o->busybox)
                ret = add_busybox(&c, o->busybox);
        if (!ret && o->modules)
                ret = add_modules(&c, o->modules, o->modules_list);
        if (!ret && o->kernel)
                ret = add_release(&c, o->kernel, o->modules);
        for (size_t i = 0; !ret && i < o->n_tools; i++)
                ret = add_tool(&c, o->tools[i]);
        if (ret) {
                lxs_cpio_done(&c);
                return ret;
        }
        r = lxs_cpio_finish(&c);
        return r < 0 ? fail("write archive", r) : 0;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: " PROG " --init PATH --out FILE [--kernel K] [--busybox PATH]\n"
                   "       [--modules DIR/lib/modules/RELEASE --modules-list FILE] [--tool PATH]...\n");
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "init", required_argument, NULL, 'i' },
                { "out", required_argument, NULL, 'o' },
                { "kernel", required_argument, NULL, 'k' },
                { "busybox", required_argument, NULL, 'b' },
                { "modules", required_argument, NULL, 'm' },
                { "modules-list", required_argument, NULL, 'l' },
                { "tool", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct options o = { 0 };
        int opt;
        while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (opt) {
                case 'i': o.init = optarg; break;
                case 'o': o.out = optarg; break;
                case 'k': o.kernel = optarg; break;
                case 'b': o.busybox = optarg; break;
                case 'm': o.modules = optarg; break;
                case 'l': o.modules_list = optarg; break;
                case 't':
                        if (o.n_tools == TOOLS_MAX) {
                                fprintf(stderr, PROG ": more than %d --tool\n", TOOLS_MAX);
                                return 2;
                        }
                        o.tools[o.n_tools++] = optarg;
                        break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (!o.init || !o.out || optind != argc || !o.modules != !o.modules_list) {
                usage(stderr);
                return 2;
        }
        int r = lxs_elf_is_static(o.init);
        if (r == 0)
                r = -ENOEXEC;
        if (r < 0)
                return failf(r, "init %s must be a static executable", o.init);

        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.XXXXXX", o.out) < 0)
                return fail("asprintf", ENOMEM);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return failf(errno, "create %s", tmp);
        _cleanup_fclose_ FILE *f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                unlink(tmp);
                return fail("fdopen", errno);
        }
        static char buf[1 << 20];
        setvbuf(f, buf, _IOFBF, sizeof(buf));
        int ret = write_image(&o, f);
        if (!ret && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
                ret = failf(errno, "write %s", tmp);
        if (fclose(TAKE_PTR(f)) != 0 && !ret)
                ret = failf(errno, "close %s", tmp);
        if (!ret && rename(tmp, o.out) < 0)
                ret = failf(errno, "rename to %s", o.out);
        if (ret)
                unlink(tmp);
        return ret;
}
