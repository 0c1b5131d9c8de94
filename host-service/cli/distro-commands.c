/* Distro management commands; see distro-commands.h.
 *
 * Import is the one that must never leave a half-made distro: it reserves the name and the
 * install directory in the registry (a flock'ed .pending record), writes the image under a
 * temporary name (the image library renames it into place only when complete), checks that it
 * holds a Linux distribution, and only then writes the registry record. Any failure, SIGINT or
 * SIGTERM undoes what this import created; a kill -9 leaves the .pending record, which the next
 * lxs cleans up (lxs_registry_cleanup). */
#include "distro-commands.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "image-inspect.h"
#include "image.h"
#include "image-raw.h"
#include "paths.h"
#include "progress.h"
#include "registry.h"
#include "service-requests.h"
#include "view-link.h"

static volatile sig_atomic_t cancelled;

static void on_cancel(int sig)
{
        cancelled = sig;
}

/* SIGINT/SIGTERM/SIGHUP stop a long import or export cleanly instead of killing us mid-write. */
static void catch_cancel_signals(void)
{
        struct sigaction sa = { .sa_handler = on_cancel };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
}

static int errorf(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int errorf(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "lxs: %s: ", cmd);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        return 1;
}

static void warn_line(void *ctx, const char *msg)
{
        struct lxs_progress *p = ctx;
        if (p)
                lxs_progress_finish(p);
        fprintf(stderr, "lxs: warning: %s\n", msg);
}

static void warn_config(const char *message, void *data)
{
        fprintf(stderr, "lxs: warning: %s\n", message);
}

/* [distro] defaultImageSize from lxs.conf; a bad lxs.conf is reported and stops the command. */
static int configured_image_size(const char *cmd, uint64_t *size)
{
        _cleanup_free_ char *dir = lxs_config_dir();
        _cleanup_free_ char *path = dir ? lxs_path_join(dir, LXS_CONFIG_FILE_NAME) : NULL;
        struct lxs_config cfg;
        _cleanup_free_ char *error = NULL;
        int r = path ? lxs_config_load(path, &cfg, warn_config, NULL, &error) : -ENOMEM;
        if (r < 0) {
                fprintf(stderr, "lxs: %s\n", error ? error : strerror(-r));
                return r;
        }
        *size = cfg.default_image_size;
        lxs_config_free(&cfg);
        return 0;
}

static int open_registry(struct lxs_registry *r, const char *cmd)
{
        int ret = lxs_registry_open(r, NULL);
        if (ret < 0) {
                errorf(cmd, "registry %s: %s", r->dir ? r->dir : "", strerror(-ret));
                return ret;
        }
        /* Imports that died (kill -9, power loss) are undone before anything else looks. */
        if (lxs_registry_lock(r) == 0) {
                lxs_registry_cleanup(r);
                lxs_registry_unlock(r);
        }
        return 0;
}

/* The stable link to an unregistered distro's view ([views] linkDir) goes with it. An unreadable
 * lxs.conf only costs the link: the distro is already gone. */
static void remove_view_link(const char *name)
{
        _cleanup_free_ char *dir = lxs_config_dir();
        _cleanup_free_ char *path = dir ? lxs_path_join(dir, LXS_CONFIG_FILE_NAME) : NULL;
        struct lxs_config cfg;
        if (!path || lxs_config_load(path, &cfg, NULL, NULL, NULL) < 0)
                return;
        _cleanup_free_ char *runtime = lxs_runtime_dir();
        _cleanup_free_ char *mnt = runtime ? lxs_path_join(runtime, "mnt") : NULL;
        _cleanup_free_ char *target = mnt ? lxs_path_join(mnt, name) : NULL;
        if (cfg.view_link_dir && target) {
                int r = lxs_view_link_remove(cfg.view_link_dir, name, target);
                if (r < 0 && r != -EEXIST)
                        fprintf(stderr, "lxs: unregister: warning: %s/%s: %s\n", cfg.view_link_dir, name,
                                strerror(-r));
        }
        lxs_config_free(&cfg);
}

/* As wsl does before export and unregister: a running distro is stopped, so its image is not
 * in use. The busy marker goes down first and stays (returned in *marker) so that lxsd cannot
 * start it again meanwhile. Prints the error itself. */
static int stop_and_hold(struct lxs_registry *reg, const char *cmd, const char *name, int *marker)
{
        *marker = lxs_registry_mark_exporting(reg, name);
        char why[1024];
        if (lxs_service_terminate(name, why, sizeof(why)) < 0) {
                errorf(cmd, "%s: cannot stop it: %s", name, why);
                lxs_registry_unmark_exporting(reg, name, *marker);
                return -1;
        }
        return 0;
}

static int check_name(const char *cmd, const char *name)
{
        if (lxs_distro_name_check(name) == 0)
                return 0;
        errorf(cmd, "'%s': invalid distro name (1-64 letters, digits, '.', '_' or '-', not starting with '-')",
               name);
        return -EINVAL;
}

/* Absolute form of a path whose last component may not exist yet. */
static char *absolute_path(const char *path)
{
        char resolved[PATH_MAX];
        if (realpath(path, resolved))
                return strdup(resolved);
        if (errno != ENOENT)
                return NULL;
        _cleanup_free_ char *copy1 = strdup(path), *copy2 = strdup(path);
        if (!copy1 || !copy2)
                return NULL;
        const char *parent = dirname(copy1);
        const char *base = basename(copy2);
        if (!realpath(parent, resolved))
                return NULL;
        return lxs_path_join(resolved, base);
}

static void report_import(const char *name, const struct lxs_import_stats *st, double secs)
{
        if (!isatty(STDERR_FILENO))
                return;
        char size[32];
        lxs_format_bytes(st->data_bytes, size, sizeof(size));
        fprintf(stderr, "Imported %s: %llu entries, %s in %.1f s\n", name, (unsigned long long)st->entries, size,
                secs);
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lxs_cmd_import(const struct lxs_options *o)
{
        const char *cmd = "import";
        if (check_name(cmd, o->name) < 0)
                return 1;
        uint64_t image_size;
        if (configured_image_size(cmd, &image_size) < 0)
                return 1;
        _cleanup_close_ int in_fd = -1;
        if (strcmp(o->file, "-") == 0) {
                in_fd = dup(STDIN_FILENO);
        } else {
                in_fd = open(o->file, O_RDONLY | O_CLOEXEC);
                if (in_fd < 0)
                        return errorf(cmd, "%s: %s", o->file, strerror(errno));
                struct stat st;
                if (fstat(in_fd, &st) == 0 && S_ISDIR(st.st_mode))
                        return errorf(cmd, "%s: is a directory, not an archive", o->file);
        }
        _cleanup_free_ char *dir = absolute_path(o->install_dir);
        if (!dir)
                return errorf(cmd, "%s: %s", o->install_dir, strerror(errno));
        struct stat st;
        bool created = stat(dir, &st) < 0;
        if (!created && !S_ISDIR(st.st_mode))
                return errorf(cmd, "%s: not a directory", o->install_dir);

        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        lxs_registry_lock(&reg);
        int reservation = lxs_registry_reserve(&reg, o->name, dir, created);
        lxs_registry_unlock(&reg);
        if (reservation == -EEXIST) {
                lxs_registry_close(&reg);
                return errorf(cmd, "%s: a distro of that name exists or is being imported", o->name);
        }
        if (reservation == -EBUSY) {
                lxs_registry_close(&reg);
                return errorf(cmd, "%s: already holds a distro", o->install_dir);
        }
        if (reservation < 0) {
                lxs_registry_close(&reg);
                return errorf(cmd, "registry: %s", strerror(-reservation));
        }

        int rc = 1;
        _cleanup_free_ char *image = lxs_path_join(dir, LXS_DISTRO_IMAGE_NAME);
        _cleanup_free_ char *err = NULL;
        bool image_made = false;
        catch_cancel_signals();
        if (created && mkdir(dir, 0700) < 0) {
                errorf(cmd, "%s: %s", o->install_dir, strerror(errno));
                goto undo;
        }
        struct lxs_progress progress;
        lxs_progress_init(&progress, STDERR_FILENO, cmd);
        double t0 = now_s();
        struct lxs_import_stats stats = { 0 };
        int ret;
        struct lxs_import_opts io = {
                .image_size = image_size,
                .progress = lxs_progress_update,
                .warn = warn_line,
                .ctx = &progress,
                .cancel = &cancelled,
        };
        if (o->vhd)
                ret = lxs_image_import_raw(in_fd, image, &io, &err);
        else
                ret = lxs_image_import(in_fd, image, &io, &stats, &err);
        lxs_progress_finish(&progress);
        if (ret < 0) {
                const char *what = strcmp(o->file, "-") == 0 ? "standard input" : o->file;
                errorf(cmd, "%s: %s", what, ret == -EINTR && cancelled ? "interrupted" : (err ? err : strerror(-ret)));
                goto undo;
        }
        image_made = true;
        free(err);
        err = NULL;
        ret = lxs_image_check_distro(image, &err);
        if (ret < 0) {
                const char *what = strcmp(o->file, "-") == 0 ? "standard input" : o->file;
                errorf(cmd, "%s: %s", what, err ? err : strerror(-ret));
                goto undo;
        }
        struct lxs_distro d = { .name = (char *)o->name, .install_dir = dir, .image = image };
        lxs_registry_lock(&reg);
        ret = lxs_registry_add(&reg, &d);
        lxs_registry_unlock(&reg);
        if (ret < 0) {
                errorf(cmd, "%s: cannot register: %s", o->name, strerror(-ret));
                goto undo;
        }
        image_made = false;
        rc = 0;
        report_import(o->name, &stats, now_s() - t0);
undo:
        if (image_made)
                unlink(image);
        if (rc != 0 && created)
                rmdir(dir);
        lxs_registry_finish_pending(&reg, o->name, reservation);
        lxs_registry_close(&reg);
        return rc;
}

int lxs_cmd_import_in_place(const struct lxs_options *o)
{
        const char *cmd = "import-in-place";
        if (check_name(cmd, o->name) < 0)
                return 1;
        _cleanup_free_ char *image = absolute_path(o->file);
        if (!image || access(image, R_OK | W_OK) < 0)
                return errorf(cmd, "%s: %s", o->file, strerror(errno));
        _cleanup_free_ char *err = NULL;
        int ret = lxs_image_check_distro(image, &err);
        if (ret < 0)
                return errorf(cmd, "%s: %s", o->file, err ? err : strerror(-ret));
        _cleanup_free_ char *copy = strdup(image);
        struct lxs_registry reg;
        if (!copy || open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro d = { .name = (char *)o->name, .install_dir = dirname(copy), .image = image, .in_place = true };
        lxs_registry_lock(&reg);
        /* One image, one distro: refuse an image another distro already uses. */
        struct lxs_distro *list;
        size_t n;
        ret = lxs_registry_list(&reg, &list, &n);
        if (ret == 0) {
                for (size_t i = 0; i < n; i++)
                        if (strcmp(list[i].image, image) == 0)
                                ret = -EBUSY;
                lxs_distro_list_free(list, n);
        }
        if (ret == 0)
                ret = lxs_registry_add(&reg, &d);
        lxs_registry_unlock(&reg);
        lxs_registry_close(&reg);
        if (ret == -EEXIST)
                return errorf(cmd, "%s: a distro of that name exists", o->name);
        if (ret == -EBUSY)
                return errorf(cmd, "%s: already registered as another distro", o->file);
        if (ret < 0)
                return errorf(cmd, "%s: %s", o->name, strerror(-ret));
        return 0;
}

/* Loads a registered distro or prints why not. */
static int get_distro(struct lxs_registry *reg, const char *cmd, const char *name, struct lxs_distro *d)
{
        int ret = lxs_registry_get(reg, name, d);
        if (ret == -ENOENT)
                errorf(cmd, "%s: no such distro (see lxs --list)", name);
        else if (ret < 0)
                errorf(cmd, "%s: %s", name, strerror(-ret));
        return ret;
}

int lxs_cmd_export(const struct lxs_options *o)
{
        const char *cmd = "export";
        enum lxs_export_format fmt = LXS_EXPORT_TAR;
        if (o->format) {
                if (lxs_export_format_parse(o->format, &fmt) < 0)
                        return errorf(cmd, "--format %s: unknown format (tar, tar.gz, tar.xz, tar.zst, tar.bz2, vhd)",
                                      o->format);
        } else if (o->vhd) {
                fmt = LXS_EXPORT_VHD;
        } else if (strcmp(o->file, "-") != 0) {
                fmt = lxs_export_format_from_name(o->file);
        }
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro d;
        int ret = get_distro(&reg, cmd, o->name, &d);
        if (ret < 0) {
                lxs_registry_close(&reg);
                return 1;
        }
        int marker;
        int rc = 1;
        if (stop_and_hold(&reg, cmd, d.name, &marker) < 0) {
                lxs_registry_close(&reg);
                lxs_distro_clear(&d);
                return 1;
        }
        bool to_stdout = strcmp(o->file, "-") == 0;
        _cleanup_free_ char *tmp = NULL;
        _cleanup_free_ char *target = NULL;
        _cleanup_close_ int out = -1;
        _cleanup_free_ char *err = NULL;
        if (to_stdout) {
                if (isatty(STDOUT_FILENO)) {
                        errorf(cmd, "refusing to write an archive to a terminal (redirect standard output)");
                        goto out;
                }
                out = dup(STDOUT_FILENO);
        } else {
                /* Written beside the target and renamed at the end: no partial output. Mode 0600:
                 * the archive holds the distro's /etc/shadow. */
                target = absolute_path(o->file);
                if (!target || asprintf(&tmp, "%s.tmp-%d", target, (int)getpid()) < 0) {
                        errorf(cmd, "%s: %s", o->file, strerror(errno ? errno : ENOMEM));
                        goto out;
                }
                out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (out < 0) {
                        errorf(cmd, "%s: %s", o->file, strerror(errno));
                        free(tmp);
                        tmp = NULL;
                        goto out;
                }
        }
        catch_cancel_signals();
        struct lxs_progress progress;
        lxs_progress_init(&progress, STDERR_FILENO, cmd);
        struct lxs_export_opts eo = {
                .progress = lxs_progress_update,
                .warn = warn_line,
                .ctx = &progress,
                .cancel = &cancelled,
        };
        struct lxs_export_stats st = { 0 };
        ret = lxs_image_export(d.image, out, fmt, &eo, &st, &err);
        lxs_progress_finish(&progress);
        if (ret == 0 && !to_stdout && fsync(out) < 0)
                ret = -errno;
        if (ret < 0) {
                errorf(cmd, "%s: %s", o->name, ret == -EINTR && cancelled ? "interrupted" : (err ? err : strerror(-ret)));
                goto out;
        }
        if (tmp && rename(tmp, target) < 0) {
                errorf(cmd, "%s: %s", o->file, strerror(errno));
                goto out;
        }
        free(tmp);
        tmp = NULL;
        rc = 0;
out:
        if (tmp)
                unlink(tmp);
        lxs_registry_unmark_exporting(&reg, d.name, marker);
        lxs_registry_close(&reg);
        lxs_distro_clear(&d);
        return rc;
}

static void json_string(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

/* A distro's state: what lxsd says when it runs it (Starting, Running, Stopping), Exporting
 * while an export holds its marker, else Stopped. Imports in progress are listed separately,
 * as Installing. */
static const char *distro_state(struct lxs_registry *reg, const struct lxs_distro *d,
                                const Lxs__Service__ListReply *running)
{
        const char *state = lxs_service_state_of(running, d->name);
        if (state)
                return state;
        return lxs_registry_is_exporting(reg, d->name) ? "Exporting" : "Stopped";
}

int lxs_cmd_list(const struct lxs_options *o)
{
        const char *cmd = "list";
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro *list;
        size_t n;
        int ret = lxs_registry_list(&reg, &list, &n);
        _cleanup_free_ char *def = NULL;
        lxs_registry_get_default(&reg, &def);
        if (ret < 0) {
                lxs_registry_close(&reg);
                return errorf(cmd, "registry: %s", strerror(-ret));
        }
        /* Imports under way show as distros in the Installing state. */
        _cleanup_strv_free_ char **pending = NULL;
        size_t npending = 0;
        lxs_registry_list_pending(&reg, &pending, &npending);
        size_t registered = n;
        if (npending) {
                struct lxs_distro *more = realloc(list, (n + npending) * sizeof(*more));
                for (size_t i = 0; more && i < npending; i++)
                        more[n++] = (struct lxs_distro){ .name = strdup(pending[i]), .install_dir = strdup(""),
                                                         .image = strdup(""), .in_place = true };
                if (more)
                        list = more;
        }
        /* Only lxsd knows what runs; asking it never starts it. */
        Lxs__Service__ListReply *running = NULL;
        if (o->verbose || o->running || o->json) {
                char why[1024];
                if (lxs_service_list(&running, why, sizeof(why)) < 0) {
                        lxs_registry_close(&reg);
                        lxs_distro_list_free(list, n);
                        return errorf(cmd, "%s", why);
                }
        }
        const char **states = calloc(n + 1, sizeof(*states));
        if (!states) {
                if (running)
                        lxs__service__list_reply__free_unpacked(running, NULL);
                lxs_registry_close(&reg);
                lxs_distro_list_free(list, n);
                return errorf(cmd, "out of memory");
        }
        for (size_t i = 0; i < n; i++)
                states[i] = i >= registered ? "Installing" : distro_state(&reg, &list[i], running);
        lxs_registry_close(&reg);
        size_t shown = 0;
        if (o->json) {
                printf("[");
                for (size_t i = 0; i < n; i++) {
                        const char *state = states[i];
                        if (o->running && strcmp(state, "Running") != 0)
                                continue;
                        printf("%s\n  {\"name\": ", shown++ ? "," : "");
                        json_string(list[i].name);
                        printf(", \"state\": \"%s\", \"default\": %s, \"installDir\": ", state,
                               def && strcmp(def, list[i].name) == 0 ? "true" : "false");
                        json_string(list[i].install_dir);
                        printf(", \"image\": ");
                        json_string(list[i].image);
                        printf(", \"defaultUid\": %u}", list[i].default_uid);
                }
                printf("%s]\n", shown ? "\n" : "");
                lxs_distro_list_free(list, n);
                free(states);
                if (running)
                        lxs__service__list_reply__free_unpacked(running, NULL);
                return 0;
        }
        if (n == 0 && !o->quiet) {
                lxs_distro_list_free(list, n);
                free(states);
                if (running)
                        lxs__service__list_reply__free_unpacked(running, NULL);
                fprintf(stderr, "lxs: list: no distros installed (lxs --install, or lxs --import)\n");
                return 1;
        }
        size_t width = 4;
        for (size_t i = 0; i < n; i++)
                if (strlen(list[i].name) > width)
                        width = strlen(list[i].name);
        if (o->verbose && !o->quiet)
                printf("  %-*s  %s\n", (int)width, "NAME", "STATE");
        else if (!o->quiet)
                printf("lxs distributions:\n");
        for (size_t i = 0; i < n; i++) {
                const char *state = states[i];
                if (o->running && strcmp(state, "Running") != 0)
                        continue;
                bool is_default = def && strcmp(def, list[i].name) == 0;
                if (o->quiet)
                        printf("%s\n", list[i].name);
                else if (o->verbose)
                        printf("%c %-*s  %s\n", is_default ? '*' : ' ', (int)width, list[i].name, state);
                else
                        printf("%s%s\n", list[i].name, is_default ? " (Default)" : "");
        }
        lxs_distro_list_free(list, n);
        free(states);
        if (running)
                lxs__service__list_reply__free_unpacked(running, NULL);
        return 0;
}

int lxs_cmd_set_default(const struct lxs_options *o)
{
        const char *cmd = "set-default";
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        lxs_registry_lock(&reg);
        int ret = lxs_registry_set_default(&reg, o->name);
        lxs_registry_unlock(&reg);
        lxs_registry_close(&reg);
        if (ret == -ENOENT)
                return errorf(cmd, "%s: no such distro (see lxs --list)", o->name);
        if (ret < 0)
                return errorf(cmd, "%s: %s", o->name, strerror(-ret));
        return 0;
}

int lxs_cmd_terminate(const struct lxs_options *o)
{
        const char *cmd = "terminate";
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro d;
        int ret = get_distro(&reg, cmd, o->name, &d);
        lxs_registry_close(&reg);
        if (ret < 0)
                return 1;
        /* A stopped distro is a no-op, as with wsl --terminate, and lxsd is not started for it. */
        char why[1024];
        ret = lxs_service_terminate(d.name, why, sizeof(why));
        lxs_distro_clear(&d);
        if (ret < 0)
                return errorf(cmd, "%s", why);
        return 0;
}

int lxs_cmd_unregister(const struct lxs_options *o)
{
        const char *cmd = "unregister";
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro d;
        int ret = get_distro(&reg, cmd, o->name, &d);
        if (ret < 0) {
                lxs_registry_close(&reg);
                return 1;
        }
        /* The marker is held until the record is gone. */
        int marker;
        if (stop_and_hold(&reg, cmd, d.name, &marker) < 0) {
                lxs_registry_close(&reg);
                lxs_distro_clear(&d);
                return 1;
        }
        lxs_registry_lock(&reg);
        ret = lxs_registry_remove(&reg, d.name);
        lxs_registry_unlock(&reg);
        lxs_registry_unmark_exporting(&reg, d.name, marker);
        lxs_registry_close(&reg);
        if (ret < 0) {
                lxs_distro_clear(&d);
                return errorf(cmd, "%s: %s", o->name,
                              ret == -ENOENT ? "no such distro (see lxs --list)" : strerror(-ret));
        }
        /* The record is gone first, so a crash here leaves an orphan file, never a distro
         * without its image. An in-place image belongs to the user and stays. */
        if (!d.in_place) {
                if (unlink(d.image) < 0 && errno != ENOENT)
                        fprintf(stderr, "lxs: unregister: warning: %s: %s\n", d.image, strerror(errno));
                rmdir(d.install_dir); /* only when empty: never remove what is not ours */
        }
        remove_view_link(d.name);
        lxs_distro_clear(&d);
        return 0;
}

/* A running distro's image cannot be read from the host (its newest metadata may be only in the
 * guest's page cache or the ext4 journal), so the user is looked up inside it, by running
 * `id -u -- USER` there as root through this very CLI. */
static int lookup_user_in_running(const char *distro, const char *user, unsigned *uid, char **err)
{
        int out[2];
        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(out[0]);
                close(out[1]);
                return r;
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);
                if (dup2(devnull, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
                    dup2(devnull, STDERR_FILENO) < 0)
                        _exit(127);
                execl("/proc/self/exe", "lxs", "-d", distro, "-u", "root", "-e", "id", "-u", "--", user,
                      (char *)NULL);
                _exit(127);
        }
        close(out[1]);
        char buf[32] = "";
        ssize_t n = 0, got;
        while (n < (ssize_t)sizeof(buf) - 1 &&
               ((got = read(out[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0 || (got < 0 && errno == EINTR)))
                n += got > 0 ? got : 0;
        close(out[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        char *end = NULL;
        unsigned long v = n > 0 ? strtoul(buf, &end, 10) : 0;
        if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || end == buf ||
            (*end != '\n' && *end) || v > UINT32_MAX) {
                if (asprintf(err, "%s: no such user in the running distro", user) < 0)
                        *err = NULL;
                return -ENOENT;
        }
        *uid = (unsigned)v;
        return 0;
}

int lxs_cmd_manage(const struct lxs_options *o)
{
        const char *cmd = "manage";
        struct lxs_registry reg;
        if (open_registry(&reg, cmd) < 0)
                return 1;
        struct lxs_distro d;
        if (get_distro(&reg, cmd, o->name, &d) < 0) {
                lxs_registry_close(&reg);
                return 1;
        }
        unsigned uid;
        _cleanup_free_ char *err = NULL;
        Lxs__Service__ListReply *running = NULL;
        char why[256];
        int ret = lxs_service_list(&running, why, sizeof(why));
        bool is_running = ret == 0 && lxs_service_state_of(running, d.name) != NULL;
        if (running)
                lxs__service__list_reply__free_unpacked(running, NULL);
        if (is_running)
                ret = lookup_user_in_running(d.name, o->default_user, &uid, &err);
        else
                ret = lxs_image_lookup_user(d.image, o->default_user, &uid, &err);
        if (ret == 0) {
                d.default_uid = uid;
                lxs_registry_lock(&reg);
                ret = lxs_registry_update(&reg, &d);
                lxs_registry_unlock(&reg);
        }
        lxs_registry_close(&reg);
        if (ret == 0 && is_running)
                fprintf(stderr, "lxs: manage: %s: the new default user applies from its next start (lxs -t %s)\n",
                        d.name, d.name);
        lxs_distro_clear(&d);
        if (ret < 0)
                return errorf(cmd, "%s: %s", o->name, err ? err : strerror(-ret));
        return 0;
}
