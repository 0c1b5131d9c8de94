/* lxs-image-tool: drives lxs-distro without the lxs CLI, for tests and benchmarks (not
 * installed).
 *
 *   lxs-image-tool import [--size BYTES] [--stats] IMAGE FILE|-
 *   lxs-image-tool export [--format F] [--stats] IMAGE FILE|-
 *
 * Errors are one line on stderr ("lxs-image-tool: import: <why>") with exit status 1; usage
 * errors exit 2. --stats prints throughput (MB = 10^6 bytes) to stderr. A failed export to a
 * file removes the file. SIGINT/SIGTERM/SIGHUP cancel cleanly (no temporary image remains). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "image.h"
#include "progress.h"

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
        cancelled = sig;
}

static void install_signals(void)
{
        static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
        struct sigaction sa = { .sa_handler = on_signal };      /* no SA_RESTART: reads return */
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < LXS_ARRAY_SIZE(sigs); i++)
                sigaction(sigs[i], &sa, NULL);
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_warning(void *ctx, const char *msg)
{
        struct lxs_progress *p = ctx;
        lxs_progress_finish(p);
        fprintf(stderr, "lxs-image-tool: warning: %s\n", msg);
}

static int usage(void)
{
        fprintf(stderr, "usage: lxs-image-tool import [--size BYTES] [--stats] IMAGE FILE|-\n"
                        "       lxs-image-tool export [--format tar|tar.gz|tar.xz|tar.zst|tar.bz2|vhd] "
                        "[--stats] IMAGE FILE|-\n");
        return 2;
}

static int parse_size(const char *s, uint64_t *out)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        switch (*end) {
        case 'T': v <<= 10; /* fall through */
        case 'G': v <<= 10; /* fall through */
        case 'M': v <<= 10; /* fall through */
        case 'K': v <<= 10; end++; break;
        case '\0': break;
        default: return -EINVAL;
        }
        if (*end)
                return -EINVAL;
        *out = v;
        return 0;
}

static int cmd_import(int argc, char **argv)
{
        static const struct option opts[] = {
                { "size", required_argument, NULL, 's' },
                { "stats", no_argument, NULL, 'S' },
                { 0 },
        };
        struct lxs_import_opts o = { .cancel = &cancelled };
        bool stats = false;
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 's' && parse_size(optarg, &o.image_size) == 0)
                        continue;
                if (c == 'S') {
                        stats = true;
                        continue;
                }
                return usage();
        }
        if (argc - optind != 2)
                return usage();
        const char *image = argv[optind], *input = argv[optind + 1];

        _cleanup_close_ int fd = -1;
        int in_fd = STDIN_FILENO;
        if (strcmp(input, "-") != 0) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        fprintf(stderr, "lxs-image-tool: import: %s: %m\n", input);
                        return 1;
                }
                in_fd = fd;
        }

        struct lxs_progress bar;
        lxs_progress_init(&bar, STDERR_FILENO, "import");
        o.progress = lxs_progress_update;
        o.warn = print_warning;
        o.ctx = &bar;
        struct lxs_import_stats st;
        _cleanup_free_ char *err = NULL;
        double t0 = now_s();
        int r = lxs_image_import(in_fd, image, &o, &st, &err);
        double dt = now_s() - t0;
        lxs_progress_finish(&bar);
        if (r < 0) {
                fprintf(stderr, "lxs-image-tool: import: %s\n", err ? err : strerror(-r));
                return 1;
        }
        if (stats)
                fprintf(stderr, "import: %llu entries (%llu files, %llu dirs, %llu symlinks, "
                        "%llu hard links, %llu devices, %llu fifos, %llu xattrs, %llu skipped), "
                        "%.1f MB data, %.1f MB input in %.3f s: %.1f MB/s, %.0f entries/s\n",
                        (unsigned long long)st.entries, (unsigned long long)st.files,
                        (unsigned long long)st.dirs, (unsigned long long)st.symlinks,
                        (unsigned long long)st.hardlinks, (unsigned long long)st.devices,
                        (unsigned long long)st.fifos, (unsigned long long)st.xattrs,
                        (unsigned long long)st.skipped, st.data_bytes / 1e6, st.input_bytes / 1e6,
                        dt, st.data_bytes / 1e6 / dt, st.entries / dt);
        return 0;
}

static int cmd_export(int argc, char **argv)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "stats", no_argument, NULL, 'S' },
                { 0 },
        };
        const char *format = NULL;
        bool stats = false;
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'f')
                        format = optarg;
                else if (c == 'S')
                        stats = true;
                else
                        return usage();
        }
        if (argc - optind != 2)
                return usage();
        const char *image = argv[optind], *output = argv[optind + 1];
        bool to_stdout = strcmp(output, "-") == 0;

        enum lxs_export_format f = to_stdout ? LXS_EXPORT_TAR : lxs_export_format_from_name(output);
        if (format && lxs_export_format_parse(format, &f) < 0) {
                fprintf(stderr, "lxs-image-tool: export: unknown format '%s'\n", format);
                return 2;
        }

        _cleanup_close_ int fd = -1;
        int out_fd = STDOUT_FILENO;
        if (!to_stdout) {
                fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        fprintf(stderr, "lxs-image-tool: export: %s: %m\n", output);
                        return 1;
                }
                out_fd = fd;
        }

        struct lxs_progress bar;
        lxs_progress_init(&bar, STDERR_FILENO, "export");
        struct lxs_export_opts o = {
                .progress = lxs_progress_update, .warn = print_warning, .ctx = &bar,
                .cancel = &cancelled,
        };
        struct lxs_export_stats st;
        _cleanup_free_ char *err = NULL;
        double t0 = now_s();
        int r = lxs_image_export(image, out_fd, f, &o, &st, &err);
        if (r >= 0 && fd >= 0 && fsync(fd) < 0 && errno != EINVAL)
                r = -errno;
        double dt = now_s() - t0;
        lxs_progress_finish(&bar);
        if (r < 0) {
                if (!to_stdout)
                        unlink(output);
                fprintf(stderr, "lxs-image-tool: export: %s\n", err ? err : strerror(-r));
                return 1;
        }
        if (stats)
                fprintf(stderr, "export: %llu entries, %.1f MB data, %.1f MB output in %.3f s: "
                        "%.1f MB/s, %.0f entries/s\n",
                        (unsigned long long)st.entries, st.data_bytes / 1e6, st.output_bytes / 1e6,
                        dt, st.data_bytes / 1e6 / dt, st.entries / dt);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2)
                return usage();
        install_signals();
        if (strcmp(argv[1], "import") == 0)
                return cmd_import(argc - 1, argv + 1);
        if (strcmp(argv[1], "export") == 0)
                return cmd_export(argc - 1, argv + 1);
        return usage();
}
