/* Unit test of lxs-config: defaults, every key, warnings with line numbers, one-line errors that
 * name file, line and key, missing file, syntax errors. Exits non-zero and prints each failed
 * check. Works in a private temporary directory; the host limits it checks against are read the
 * same way the library reads them. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "paths.h"

static int failures;

#define CHECK(cond)                                                                  \
        do {                                                                         \
                if (!(cond)) {                                                       \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,       \
                                __LINE__, #cond);                                    \
                        failures++;                                                  \
                }                                                                    \
        } while (0)

#define CHECK_STREQ(a, b)                                                            \
        do {                                                                         \
                const char *_a = (a), *_b = (b);                                     \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                             \
                        fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n",      \
                                __FILE__, __LINE__, _b ? _b : "(null)",              \
                                _a ? _a : "(null)");                                 \
                        failures++;                                                  \
                }                                                                    \
        } while (0)

static char tmpdir[] = "/tmp/lxs-test-config-XXXXXX";
static char conf_path[256];

static uint32_t test_host_cpus(void)
{
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
                return (uint32_t)CPU_COUNT(&set);
        return (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
}

static uint64_t test_host_memory_mib(void)
{
        return (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE) >> 20;
}

__attribute__((format(printf, 1, 2)))
static void write_conf(const char *fmt, ...)
{
        FILE *f = fopen(conf_path, "we");
        if (!f) {
                perror(conf_path);
                exit(2);
        }
        va_list ap;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
}

/* Collected warnings, one per line. */
struct warnings {
        char text[4096];
        int count;
};

static void collect_warning(const char *message, void *data)
{
        struct warnings *w = data;
        size_t used = strlen(w->text);
        snprintf(w->text + used, sizeof(w->text) - used, "%s\n", message);
        w->count++;
}

static int load(struct lxs_config *cfg, struct warnings *w, char **error)
{
        if (w)
                memset(w, 0, sizeof(*w));
        return lxs_config_load(conf_path, cfg, w ? collect_warning : NULL, w, error);
}

static void check_is_defaults(const struct lxs_config *cfg)
{
        uint64_t mem = test_host_memory_mib();
        CHECK(cfg->memory_mib == (mem < 2048 ? mem : 2048));
        CHECK(cfg->processors == test_host_cpus());
        CHECK(cfg->kernel == NULL);
        CHECK(cfg->kernel_cmdline == NULL);
        CHECK(cfg->accel == LXS_ACCEL_AUTO);
        CHECK(cfg->vm_idle_timeout_ms == 60000);
        CHECK_STREQ(cfg->machine, "microvm");
        CHECK(cfg->default_image_size == 256ULL << 30);
        CHECK(cfg->distro_idle_timeout_ms == 15000);
}

static void test_defaults(void)
{
        struct lxs_config cfg;
        lxs_config_defaults(&cfg);
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
        lxs_config_free(&cfg); /* twice is fine */
}

static void test_missing_file(void)
{
        unlink(conf_path);
        struct lxs_config cfg;
        struct warnings w;
        char *error = (char *)"untouched";
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(error == NULL);
        CHECK(w.count == 0);
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
}

static void test_empty_and_comments(void)
{
        write_conf("# only comments\n; and blanks\n\n[vm]\n   \n");
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(w.count == 0);
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
}

/* Loads a one-key [vm] file and expects success with no warnings. */
static int load_vm_key(struct lxs_config *cfg, const char *key, const char *value)
{
        write_conf("[vm]\n%s = %s\n", key, value);
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        int r = load(cfg, &w, &error);
        if (r < 0)
                fprintf(stderr, "loading %s = %s failed: %s\n", key, value, error ? error : "?");
        if (w.count)
                fprintf(stderr, "unexpected warnings: %s", w.text);
        return r < 0 ? r : -w.count;
}

static void test_each_key(void)
{
        struct lxs_config cfg;

        static const struct {
                const char *value;
                uint32_t mib;
        } sizes[] = {
                { "512MB", 512 }, { "1GB", 1024 }, { "1g", 1024 }, { "2GiB", 2048 },
                { "1073741824", 1024 }, { "\"768MB\"", 768 }, { "262144K", 256 }, { "256 MB", 256 },
        };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(sizes); i++) {
                CHECK(load_vm_key(&cfg, "memory", sizes[i].value) == 0);
                CHECK(cfg.memory_mib == sizes[i].mib);
                lxs_config_free(&cfg);
        }

        CHECK(load_vm_key(&cfg, "processors", "1") == 0);
        CHECK(cfg.processors == 1);
        char cpus[16];
        snprintf(cpus, sizeof(cpus), "%u", test_host_cpus());
        CHECK(load_vm_key(&cfg, "processors", cpus) == 0);
        CHECK(cfg.processors == test_host_cpus());

        char kernel[300];
        snprintf(kernel, sizeof(kernel), "%s/vmlinux", tmpdir);
        FILE *f = fopen(kernel, "we");
        CHECK(f != NULL);
        if (f)
                fclose(f);
        CHECK(load_vm_key(&cfg, "kernel", kernel) == 0);
        CHECK_STREQ(cfg.kernel, kernel);
        lxs_config_free(&cfg);
        /* ~/ is the user's home. */
        _cleanup_free_ char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
        setenv("HOME", tmpdir, 1);
        CHECK(load_vm_key(&cfg, "kernel", "~/vmlinux") == 0);
        CHECK_STREQ(cfg.kernel, kernel);
        lxs_config_free(&cfg);
        if (old_home)
                setenv("HOME", old_home, 1);
        else
                unsetenv("HOME");
        /* Empty means the packaged kernel. */
        CHECK(load_vm_key(&cfg, "kernel", "") == 0);
        CHECK(cfg.kernel == NULL);

        CHECK(load_vm_key(&cfg, "kernelCommandLine", "loglevel=7 debug") == 0);
        CHECK_STREQ(cfg.kernel_cmdline, "loglevel=7 debug");
        lxs_config_free(&cfg);
        CHECK(load_vm_key(&cfg, "kernelCommandLine", "") == 0);
        CHECK(cfg.kernel_cmdline == NULL);

        CHECK(load_vm_key(&cfg, "accel", "tcg") == 0);
        CHECK(cfg.accel == LXS_ACCEL_TCG);
        CHECK(load_vm_key(&cfg, "accel", "kvm") == 0);
        CHECK(cfg.accel == LXS_ACCEL_KVM);
        CHECK(load_vm_key(&cfg, "accel", "auto") == 0);
        CHECK(cfg.accel == LXS_ACCEL_AUTO);

        CHECK(load_vm_key(&cfg, "vmIdleTimeout", "5000") == 0);
        CHECK(cfg.vm_idle_timeout_ms == 5000);
        CHECK(load_vm_key(&cfg, "vmIdleTimeout", "0") == 0);
        CHECK(cfg.vm_idle_timeout_ms == LXS_CONFIG_IDLE_NEVER);
        CHECK(load_vm_key(&cfg, "vmIdleTimeout", "-1") == 0);
        CHECK(cfg.vm_idle_timeout_ms == LXS_CONFIG_IDLE_NEVER);
        CHECK(load_vm_key(&cfg, "vmIdleTimeout", "4294967295") == 0);
        CHECK(cfg.vm_idle_timeout_ms == 4294967295u);

        CHECK(load_vm_key(&cfg, "machine", "q35") == 0);
        CHECK_STREQ(cfg.machine, "q35");
        CHECK(load_vm_key(&cfg, "machine", "microvm") == 0);
        CHECK_STREQ(cfg.machine, "microvm");

        /* All together, with comments in between; a repeated string key frees the old value
         * (the sanitizer build checks that). */
        write_conf("# lxs settings\n[vm]\nmemory=1GB\nprocessors = 1\n; comment\n"
                   "kernelCommandLine = a\nkernelCommandLine = b\naccel = tcg\n"
                   "vmIdleTimeout = 100\nmachine = q35\nkernel = %s\n",
                   kernel);
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(cfg.memory_mib == 1024 && cfg.processors == 1 && cfg.accel == LXS_ACCEL_TCG &&
              cfg.vm_idle_timeout_ms == 100);
        CHECK_STREQ(cfg.kernel_cmdline, "b");
        CHECK_STREQ(cfg.machine, "q35");
        CHECK_STREQ(cfg.kernel, kernel);
        char expect[512];
        snprintf(expect, sizeof(expect),
                 "%s:7: 'kernelCommandLine' set again in [vm]; this later value is used\n",
                 conf_path);
        CHECK_STREQ(w.text, expect);
        lxs_config_free(&cfg);
}

/* Copies `tmpl` with every '@' replaced by the config file's path. */
static void with_path(const char *tmpl, char *out, size_t size)
{
        size_t n = 0;
        for (const char *t = tmpl; *t && n + 1 < size; t++) {
                if (*t != '@') {
                        out[n++] = *t;
                        continue;
                }
                for (const char *p = conf_path; *p && n + 1 < size; p++)
                        out[n++] = *p;
        }
        out[n] = '\0';
}

/* Loads `text` and expects success with exactly the warnings `expect` ('@' = the path). */
static void expect_warnings(const char *text, const char *expect_tmpl)
{
        write_conf("%s", text);
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, &w, &error) == 0);
        char expect[2048];
        with_path(expect_tmpl, expect, sizeof(expect));
        CHECK_STREQ(w.text, expect);
        lxs_config_free(&cfg);
}

static void test_warnings(void)
{
        expect_warnings("[vm]\nmemory = 1GB\nfoo = 1\n", "@:3: unknown key 'foo' in [vm]\n");
        expect_warnings("[vm]\nMemory = 1GB\n",
                        "@:2: unknown key 'Memory' in [vm] (did you mean 'memory'?)\n");
        /* One warning per unknown section, at its first key. */
        expect_warnings("\n[wsl2]\nmemory = 1GB\nswap = 0\n[vm]\nmemory = 1GB\n",
                        "@:3: unknown section [wsl2] ignored (lxs reads VM settings from [vm])\n");
        expect_warnings("[future]\na = 1\nb = 2\n[VM]\nmemory = 1GB\n",
                        "@:2: unknown section [future] ignored\n"
                        "@:5: unknown section [VM] ignored (did you mean [vm]?)\n");
        expect_warnings("memory = 1GB\n[vm]\n",
                        "@:1: key 'memory' outside any section ignored (lxs reads [vm])\n");

        /* Parsing goes on after a warning, and the known keys still apply. */
        write_conf("[vm]\nbogus = 1\nprocessors = 1\n");
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(w.count == 1);
        CHECK(cfg.processors == 1);
        lxs_config_free(&cfg);

        /* No callback: warnings are dropped, the load still works. */
        CHECK(load(&cfg, NULL, NULL) == 0);
        CHECK(cfg.processors == 1);
        lxs_config_free(&cfg);
}

/* Loads "[vm]\n# comment\nKEY = VALUE\n" and expects -EINVAL with an error that starts with
 * "PATH:3: KEY: " followed by `reason_start`, is one line, and leaves defaults behind. */
static void expect_bad_value(const char *key, const char *value, const char *reason_start)
{
        write_conf("[vm]\n# comment\n%s = %s\n", key, value);
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        int r = load(&cfg, &w, &error);
        if (r != -EINVAL) {
                fprintf(stderr, "%s = %s: expected -EINVAL, got %d\n", key, value, r);
                failures++;
        }
        char prefix[512];
        snprintf(prefix, sizeof(prefix), "%s:3: %s: %s", conf_path, key, reason_start);
        if (!error || strncmp(error, prefix, strlen(prefix)) != 0 || strchr(error, '\n')) {
                fprintf(stderr, "%s = %s: expected error starting \"%s\", got \"%s\"\n", key,
                        value, prefix, error ? error : "(null)");
                failures++;
        }
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
}

static void test_bad_values(void)
{
        expect_bad_value("memory", "abc", "invalid size 'abc'");
        expect_bad_value("memory", "", "invalid size ''");
        expect_bad_value("memory", "-1GB", "invalid size '-1GB'");
        expect_bad_value("memory", "2 parsecs", "invalid size '2 parsecs'");
        expect_bad_value("memory", "2048", "'2048' is less than the minimum of 256MB (a number");
        expect_bad_value("memory", "255MB", "'255MB' is less than the minimum of 256MB");
        char too_much[64];
        snprintf(too_much, sizeof(too_much), "%lluMB",
                 (unsigned long long)test_host_memory_mib() + 1);
        expect_bad_value("memory", too_much, "");
        expect_bad_value("memory", "99999999999999999999GB", "invalid size");

        expect_bad_value("processors", "0", "'0' is out of range (1 to ");
        char too_many[32];
        snprintf(too_many, sizeof(too_many), "%u", test_host_cpus() + 1);
        expect_bad_value("processors", too_many, "");
        expect_bad_value("processors", "two", "invalid number 'two'");
        expect_bad_value("processors", "-1", "invalid number '-1'");

        expect_bad_value("kernel", "/nonexistent/vmlinuz",
                         "cannot read '/nonexistent/vmlinuz': No such file or directory");
        expect_bad_value("kernel", "vmlinuz", "'vmlinuz' is not an absolute path");
        char dir_msg[300];
        snprintf(dir_msg, sizeof(dir_msg), "'%s' is not a regular file", tmpdir);
        expect_bad_value("kernel", tmpdir, dir_msg);

        char long_cmdline[LXS_CONFIG_CMDLINE_MAX + 2];
        memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
        long_cmdline[sizeof(long_cmdline) - 1] = '\0';
        expect_bad_value("kernelCommandLine", long_cmdline, "longer than 1024 characters");

        expect_bad_value("accel", "hvf", "invalid accelerator 'hvf' (expected auto, kvm or tcg)");
        expect_bad_value("accel", "TCG", "invalid accelerator 'TCG'");
        expect_bad_value("vmIdleTimeout", "soon", "invalid number of milliseconds 'soon'");
        expect_bad_value("vmIdleTimeout", "60s", "invalid number of milliseconds '60s'");
        expect_bad_value("vmIdleTimeout", "4294967296", "'4294967296' is out of range");
        expect_bad_value("machine", "pc", "invalid machine 'pc' (expected microvm or q35)");

        /* A good value before the bad one does not survive the failed load. */
        write_conf("[vm]\nkernelCommandLine = x\nprocessors = 1\nmemory = lots\n");
        struct lxs_config cfg;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, NULL, &error) == -EINVAL);
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
        /* error may be NULL. */
        CHECK(load(&cfg, NULL, NULL) == -EINVAL);
        lxs_config_free(&cfg);
}

static void expect_syntax_error(const char *text, unsigned line, const char *problem)
{
        write_conf("%s", text);
        struct lxs_config cfg;
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, NULL, &error) == -EINVAL);
        char expect[512];
        snprintf(expect, sizeof(expect), "%s:%u: syntax error: %s", conf_path, line, problem);
        CHECK_STREQ(error, expect);
        check_is_defaults(&cfg);
        lxs_config_free(&cfg);
}

static void test_syntax_errors(void)
{
        expect_syntax_error("[vm\nmemory = 1GB\n", 1, "malformed section header (expected '[name]')");
        expect_syntax_error("# settings\n\n[vm]\nmemory 1GB\n", 4, "expected 'key = value'");
        expect_syntax_error("[vm]\nmemory = 1GB\n  = 3\n", 3, "expected 'key = value'");
        expect_syntax_error("[vm]\n[]\n", 2, "malformed section header (expected '[name]')");
        expect_syntax_error("[vm] trailing\n", 1, "malformed section header (expected '[name]')");

        char *big = malloc(5000 + 16);
        CHECK(big != NULL);
        if (!big)
                return;
        strcpy(big, "[vm]\n\nk = ");
        size_t n = strlen(big);
        memset(big + n, 'v', 5000);
        big[n + 5000] = '\0';
        expect_syntax_error(big, 3, "line too long");
        free(big);
}

/* [distro]: the image size of new distros and how long an idle distro keeps running. */
static void test_distro_section(void)
{
        struct lxs_config cfg;
        struct warnings w;
        static const struct {
                const char *value;
                uint32_t ms;
        } idle[] = { { "5000", 5000 }, { "0", LXS_CONFIG_IDLE_NEVER }, { "-1", LXS_CONFIG_IDLE_NEVER } };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(idle); i++) {
                write_conf("[distro]\ninstanceIdleTimeout = %s\ndefaultImageSize = 2GB\n", idle[i].value);
                _cleanup_free_ char *error = NULL;
                CHECK(load(&cfg, &w, &error) == 0);
                CHECK(w.count == 0);
                CHECK(cfg.distro_idle_timeout_ms == idle[i].ms);
                CHECK(cfg.default_image_size == 2ULL << 30);
                CHECK(cfg.vm_idle_timeout_ms == 60000); /* the VM's own timeout is another key */
                lxs_config_free(&cfg);
        }

        write_conf("[distro]\n\ninstanceIdleTimeout = 15s\n");
        _cleanup_free_ char *error = NULL;
        CHECK(load(&cfg, &w, &error) == -EINVAL);
        char want[512];
        snprintf(want, sizeof(want), "%s:3: instanceIdleTimeout: invalid number of milliseconds '15s'", conf_path);
        CHECK_STREQ(error, want);
        check_is_defaults(&cfg);

        /* WSL keeps it in [general]; lxs names the section it reads. */
        write_conf("[distro]\ninstanceidletimeout = 1\n");
        free(error);
        error = NULL;
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(w.count == 1 && strstr(w.text, "did you mean 'instanceIdleTimeout'?"));
        CHECK(cfg.distro_idle_timeout_ms == 15000);
        lxs_config_free(&cfg);
}

static void test_shares_section(void)
{
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        lxs_config_defaults(&cfg);
        CHECK(cfg.share_home && cfg.share_folders == NULL);

        write_conf("[shares]\nhome = false\nfolders = /srv/data , /home/ann/src/ \n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(w.count == 0);
        CHECK(!cfg.share_home);
        CHECK_STREQ(cfg.share_folders, "/srv/data , /home/ann/src/"); /* the INI reader trims */
        lxs_config_free(&cfg);
        CHECK(cfg.share_folders == NULL);

        static const char *const bad[] = { "srv/data", "/srv/../etc", "/srv/./x", "/a,b/c", "/srv//x" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(bad); i++) {
                write_conf("[shares]\nfolders = %s\n", bad[i]);
                free(error);
                error = NULL;
                CHECK(load(&cfg, &w, &error) == -EINVAL);
                CHECK(error && strstr(error, ":2: folders: ") && strstr(error, "is not an absolute path"));
                check_is_defaults(&cfg);
        }
        write_conf("[shares]\nfolders = /1,/2,/3,/4,/5,/6,/7,/8\n");
        free(error);
        error = NULL;
        CHECK(load(&cfg, &w, &error) == -EINVAL);
        CHECK(error && strstr(error, "more than 7 folders"));
        write_conf("[shares]\nhome = maybe\n");
        free(error);
        error = NULL;
        CHECK(load(&cfg, &w, &error) == -EINVAL);
        CHECK(error && strstr(error, "invalid boolean 'maybe'"));
}

static void test_views_section(void)
{
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        lxs_config_defaults(&cfg);
        CHECK(cfg.view_link_dir == NULL);

        write_conf("[views]\nlinkDir = /srv/links\n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK_STREQ(cfg.view_link_dir, "/srv/links");
        lxs_config_free(&cfg);
        CHECK(cfg.view_link_dir == NULL);

        _cleanup_free_ char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
        setenv("HOME", "/home/ann", 1);
        write_conf("[views]\nlinkDir = ~/lxs\n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK_STREQ(cfg.view_link_dir, "/home/ann/lxs");
        lxs_config_free(&cfg);
        if (old_home)
                setenv("HOME", old_home, 1);
        else
                unsetenv("HOME");

        write_conf("[views]\nlinkDir =\n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(cfg.view_link_dir == NULL);
        write_conf("[views]\nlinkDir = lxs\n");
        CHECK(load(&cfg, &w, &error) == -EINVAL);
        CHECK(error && strstr(error, ":2: linkDir: ") && strstr(error, "'lxs' is not an absolute path"));
        check_is_defaults(&cfg);
}

static void test_network_keys(void)
{
        struct lxs_config cfg;
        struct warnings w;
        _cleanup_free_ char *error = NULL;
        lxs_config_defaults(&cfg);
        CHECK(cfg.nat_network);
        CHECK_STREQ(cfg.host_alias, "host.lxs.internal");

        write_conf("[vm]\nnetworkingMode = NONE\nhostAlias = gw.example\n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(!cfg.nat_network);
        CHECK_STREQ(cfg.host_alias, "gw.example");
        write_conf("[vm]\nnetworkingMode = nat\nhostAlias =\n");
        CHECK(load(&cfg, &w, &error) == 0);
        CHECK(cfg.nat_network);
        CHECK_STREQ(cfg.host_alias, "");

        write_conf("[vm]\nnetworkingMode = mirrored\n");
        CHECK(load(&cfg, &w, &error) == -EINVAL);
        CHECK(error && strstr(error, ":2: networkingMode: invalid networking mode 'mirrored'"));
        check_is_defaults(&cfg);
        static const char *const bad[] = { "-gw", ".gw", "gw host", "gw\tx", "gw/x" };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(bad); i++) {
                write_conf("[vm]\nhostAlias = %s\n", bad[i]);
                free(error);
                error = NULL;
                CHECK(load(&cfg, &w, &error) == -EINVAL);
                CHECK(error && strstr(error, ":2: hostAlias: invalid host name"));
        }
        char longname[80];
        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        write_conf("[vm]\nhostAlias = %s\n", longname);
        free(error);
        error = NULL;
        CHECK(load(&cfg, &w, &error) == -EINVAL);
}

static void test_unreadable(void)
{
        /* A directory where the file should be: an error, not defaults. */
        char dir[300];
        snprintf(dir, sizeof(dir), "%s/lxs.conf.d", tmpdir);
        CHECK(mkdir(dir, 0700) == 0);
        struct lxs_config cfg;
        _cleanup_free_ char *error = NULL;
        CHECK(lxs_config_load(dir, &cfg, NULL, NULL, &error) == -EISDIR);
        char expect[400];
        snprintf(expect, sizeof(expect), "%s: %s", dir, strerror(EISDIR));
        CHECK_STREQ(error, expect);
        check_is_defaults(&cfg);
        rmdir(dir);
}

static void test_default_path(void)
{
        setenv("LXS_CONFIG_DIR", "/somewhere/lxs", 1);
        _cleanup_free_ char *p = lxs_config_default_path();
        CHECK_STREQ(p, "/somewhere/lxs/lxs.conf");
        unsetenv("LXS_CONFIG_DIR");
}

int main(void)
{
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(conf_path, sizeof(conf_path), "%s/lxs.conf", tmpdir);

        test_defaults();
        test_missing_file();
        test_empty_and_comments();
        test_each_key();
        test_warnings();
        test_bad_values();
        test_syntax_errors();
        test_distro_section();
        test_shares_section();
        test_views_section();
        test_network_keys();
        test_unreadable();
        test_default_path();

        char kernel[300];
        snprintf(kernel, sizeof(kernel), "%s/vmlinux", tmpdir);
        unlink(kernel);
        unlink(conf_path);
        rmdir(tmpdir);

        if (failures) {
                fprintf(stderr, "test-config: %d check(s) failed\n", failures);
                return 1;
        }
        printf("test-config: all checks passed\n");
        return 0;
}
