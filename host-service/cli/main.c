/* lxs: the command-line front end, spelled like wsl.exe. Parses the command line, then either
 * answers locally (--help, --version) or talks to lxsd (starting it when needed). Every error
 * is one line on stderr, "lxs: <what>: <why>", with a non-zero exit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "config.h"
#include "distro-commands.h"
#include "exec.h"
#include "install.h"
#include "fd-util.h"
#include "install-dirs.h"
#include "options.h"
#include "paths.h"
#include "registry.h"
#include "views.h"

static const char usage_text[] =
        "Usage: lxs [Argument] [Options...] [CommandLine]\n"
        "\n"
        "Arguments for running Linux programs:\n"
        "    [CommandLine]           Run the command line through the user's shell (the rest of the\n"
        "                            arguments, joined with spaces).\n"
        "    -e, --exec CMD [ARGS]   Run CMD with ARGS as given, without a shell.\n"
        "    --                      Everything after it is the command line.\n"
        "    With no command, the user's login shell is started in the default distro.\n"
        "\n"
        "Options:\n"
        "    -d, --distribution NAME Run in distro NAME instead of the default one.\n"
        "    -u, --user USER         Run as USER (a name or a uid) instead of the distro's default user.\n"
        "    --cd DIR                Start in DIR: ~ (the user's home, the default) or an absolute path.\n"
        "    --shell-type login|standard|none\n"
        "                            How the command line runs: through a login shell, the user's shell\n"
        "                            (the default), or as words without a shell.\n"
        "    --system                Run in the utility VM's own namespace (the debugging door).\n"
        "\n"
        "Arguments for managing distributions:\n"
        "    --import NAME DIR FILE|- [--vhd]\n"
        "                            Import a rootfs tarball (tar, .gz, .xz, .zst, .bz2) as distro NAME, its\n"
        "                            image in DIR; --vhd: FILE is a raw ext4 image.\n"
        "    --import-in-place NAME IMAGE\n"
        "                            Register an existing ext4 image where it lies.\n"
        "    --export NAME FILE|- [--format tar|tar.gz|tar.xz|tar.zst|tar.bz2|vhd]\n"
        "                            Write the distro out (format: --format, else FILE's suffix, else tar).\n"
        "    -l, --list [-v|--verbose] [--running] [-q|--quiet] [--json]\n"
        "                            List distros; the default is marked.\n"
        "    -s, --set-default NAME  Make NAME the default distro.\n"
        "    -t, --terminate NAME    Stop a running distro.\n"
        "    --unregister NAME       Remove the distro and its image.\n"
        "    --manage NAME --set-default-user USER\n"
        "                            Set the user sessions start as.\n"
        "    --install [debian[:RELEASE]] [--name NAME] [--location DIR] [--from-file TARBALL] [--no-launch]\n"
        "                            Build a Debian minbase with mmdebstrap (cached), import it, open it.\n"
        "\n"
        "Arguments for managing lxs:\n"
        "    --path [-d NAME] LINUX_PATH\n"
        "                            Print where LINUX_PATH of the distro (default: the default one) is\n"
        "                            on the host, in its view under $XDG_RUNTIME_DIR/lxs/mnt.\n"
        "    --status                Show the state of the utility VM.\n"
        "    --shutdown [--force]    Stop the utility VM (--force: kill it at once).\n"
        "    -v, --version           Show version information.\n"
        "    -h, --help              Show this help.\n"
        "\n"
        "Configuration: ~/.config/lxs/lxs.conf ([vm] memory, processors, kernel, kernelCommandLine,\n"
        "accel, vmIdleTimeout, machine; [distro] defaultImageSize, instanceIdleTimeout).\n"
        "See lxs(1) and docs/cli.md.\n";

static void warn_config(const char *message, void *data)
{
        fprintf(stderr, "lxs: warning: %s\n", message);
}

/* Checks lxs.conf before anything would boot with it, so mistakes are reported where the user
 * looks; lxsd reads it again (authoritatively) at each VM boot. */
static int check_config(void)
{
        _cleanup_free_ char *dir = lxs_config_dir();
        _cleanup_free_ char *path = dir ? lxs_path_join(dir, LXS_CONFIG_FILE_NAME) : NULL;
        if (!path)
                return 0;
        struct lxs_config cfg;
        _cleanup_free_ char *error = NULL;
        int r = lxs_config_load(path, &cfg, warn_config, NULL, &error);
        if (r < 0) {
                fprintf(stderr, "lxs: %s\n", error ? error : strerror(-r));
                return r;
        }
        lxs_config_free(&cfg);
        return 0;
}

static int print_version(void)
{
        printf("lxs version: %s\n", LXS_VERSION);
        _cleanup_free_ char *image = lxs_image_dir();
        _cleanup_free_ char *relpath = image ? lxs_path_join(image, "kernel.release") : NULL;
        _cleanup_free_ char *release = NULL;
        if (relpath && lxs_read_file(relpath, 256, &release) >= 0) {
                release[strcspn(release, "\r\n")] = '\0';
                printf("Kernel version: %s\n", release);
        }
        return 0;
}

static int connect_or_report(struct lxs_client *c)
{
        char err[512];
        if (lxs_client_connect(c, err, sizeof(err)) < 0) {
                fprintf(stderr, "lxs: %s\n", err);
                return -1;
        }
        return 0;
}

/* Sends one request and waits for its single reply. Returns the reply or NULL (reported). */
static Lxs__Service__Reply *round_trip(struct lxs_client *c, Lxs__Service__Request *req, const char *what,
                                       bool *retry)
{
        int r = lxs_client_send(c, req);
        Lxs__Service__Reply *reply = NULL;
        /* Even when the send failed, lxsd may have said why before closing (a refused peer). */
        int rr = lxs_client_recv(c, &reply);
        if (rr == 0 || r == 0)
                r = rr;
        if (r == -EPIPE || r == -ECONNRESET) {
                *retry = true;
                return NULL;
        }
        if (r < 0) {
                fprintf(stderr, "lxs: %s: lxsd: %s\n", what, strerror(-r));
                return NULL;
        }
        if (reply->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                fprintf(stderr, "lxs: %s\n", reply->error->message);
                lxs__service__reply__free_unpacked(reply, NULL);
                return NULL;
        }
        return reply;
}

static void print_duration(uint64_t ms)
{
        uint64_t s = ms / 1000;
        if (s < 60)
                printf("%llu.%llu s", (unsigned long long)s, (unsigned long long)(ms % 1000) / 100);
        else if (s < 3600)
                printf("%llu min %llu s", (unsigned long long)s / 60, (unsigned long long)s % 60);
        else
                printf("%llu h %llu min", (unsigned long long)s / 3600, (unsigned long long)(s % 3600) / 60);
}

static int do_status(struct lxs_client *c)
{
        Lxs__Service__StatusRequest sr = LXS__SERVICE__STATUS_REQUEST__INIT;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_STATUS;
        req.status = &sr;
        bool retry = false;
        Lxs__Service__Reply *reply = round_trip(c, &req, "status", &retry);
        if (!reply)
                return retry ? LXS_CLI_RETRY : 1;
        if (reply->msg_case != LXS__SERVICE__REPLY__MSG_STATUS) {
                fprintf(stderr, "lxs: status: unexpected reply from lxsd\n");
                lxs__service__reply__free_unpacked(reply, NULL);
                return 1;
        }
        const Lxs__Service__StatusReply *st = reply->status;
        printf("Utility VM:    %s", st->vm_state);
        if (st->qemu_pid > 0) {
                printf(" (QEMU pid %d, up ", st->qemu_pid);
                print_duration(st->uptime_ms);
                printf(")");
        }
        printf("\nAccelerator:   %s\n", st->accel);
        printf("Machine:       %s\n", st->machine);
        printf("Kernel:        %s%s%s%s\n", st->kernel, st->kernel_release && *st->kernel_release ? " (" : "",
               st->kernel_release ? st->kernel_release : "", st->kernel_release && *st->kernel_release ? ")" : "");
        printf("Memory:        %u MiB", st->memory_mib);
        if (st->guest_mem_available_kib)
                printf(" (%llu MiB available in the guest)", (unsigned long long)st->guest_mem_available_kib / 1024);
        printf("\nProcessors:    %u\n", st->processors);
        printf("Sessions:      %u\n", st->sessions);
        if (st->idle_timeout_s)
                printf("Idle timeout:  %u s\n", st->idle_timeout_s);
        else
                printf("Idle timeout:  never\n");
        printf("Console log:   %s\n", st->console_log);
        printf("Service:       lxsd pid %d\n", st->service_pid);
        lxs__service__reply__free_unpacked(reply, NULL);
        return 0;
}

static int do_shutdown(struct lxs_client *c, bool force)
{
        Lxs__Service__ShutdownRequest sd = LXS__SERVICE__SHUTDOWN_REQUEST__INIT;
        sd.force = force;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_SHUTDOWN;
        req.shutdown = &sd;
        bool retry = false;
        Lxs__Service__Reply *reply = round_trip(c, &req, "shutdown", &retry);
        if (!reply)
                return retry ? LXS_CLI_RETRY : 1;
        lxs__service__reply__free_unpacked(reply, NULL);
        return 0;
}

static int do_run_system(struct lxs_client *c, const struct lxs_options *o)
{
        static char *login_shell[] = { "/bin/sh", "-l", NULL };
        _cleanup_free_ char *cmdline = NULL;
        char *shell_argv[4] = { "/bin/sh", "-c", NULL, NULL };
        struct lxs_exec_spec spec = { .system = true, .cwd = o->cwd };
        if (!o->argv) {
                spec.argv = login_shell;
                spec.argc = 2;
        } else if (o->exec) {
                spec.argv = o->argv;
                spec.argc = o->argc;
        } else {
                cmdline = lxs_join_cmdline(o->argc, o->argv);
                if (!cmdline) {
                        fprintf(stderr, "lxs: out of memory\n");
                        return 1;
                }
                shell_argv[2] = cmdline;
                spec.argv = shell_argv;
                spec.argc = 3;
        }
        return lxs_exec_run(c, &spec);
}

static int do_run_distro(struct lxs_client *c, const struct lxs_options *o, const char *distro)
{
        struct lxs_command cmd;
        if (lxs_options_command(o, &cmd) < 0) {
                fprintf(stderr, "lxs: out of memory\n");
                return 1;
        }
        struct lxs_exec_spec spec = {
                .argv = cmd.argv,
                .argc = cmd.argc,
                .cwd = o->cwd,
                .distro = distro,
                .user = o->user,
                .shell = cmd.shell,
        };
        int rc = lxs_exec_run(c, &spec);
        lxs_command_free(&cmd);
        return rc;
}

/* -d NAME, else the registry's default distro. Prints why there is none. */
static char *pick_distro(const struct lxs_options *o)
{
        if (o->distribution)
                return strdup(o->distribution);
        struct lxs_registry reg;
        int r = lxs_registry_open(&reg, NULL);
        char *name = NULL;
        if (r == 0)
                r = lxs_registry_get_default(&reg, &name);
        lxs_registry_close(&reg);
        if (r == -ENOENT)
                fprintf(stderr, "lxs: no distribution installed: run lxs --install\n");
        else if (r < 0)
                fprintf(stderr, "lxs: registry: %s\n", strerror(-r));
        return r < 0 ? NULL : name;
}

/* The actions that talk to lxsd, starting it when needed. */
static int run_with_lxsd(const struct lxs_options *o)
{
        _cleanup_free_ char *distro = NULL;
        if (o->action == LXS_ACTION_RUN && !o->system) {
                distro = pick_distro(o);
                if (!distro)
                        return 1;
        }
        if (o->action == LXS_ACTION_RUN && check_config() < 0)
                return 1;
        int rc = 1;
        for (int attempt = 0; attempt < 2; attempt++) {
                struct lxs_client c;
                if (connect_or_report(&c) < 0)
                        return 1;
                switch (o->action) {
                case LXS_ACTION_STATUS:
                        rc = do_status(&c);
                        break;
                case LXS_ACTION_SHUTDOWN:
                        rc = do_shutdown(&c, o->force);
                        break;
                default:
                        rc = distro ? do_run_distro(&c, o, distro) : do_run_system(&c, o);
                        break;
                }
                lxs_client_close(&c);
                if (rc != LXS_CLI_RETRY)
                        return rc;
                /* A dying lxsd still held the socket: give it a moment to go. */
                usleep(50000);
        }
        fprintf(stderr, "lxs: lxsd: connection lost before it answered\n");
        return 1;
}

/* lxs --install without --no-launch ends in the new distro's login shell, as wsl --install. */
static int launch_distro_shell(const char *name)
{
        struct lxs_options o = { .action = LXS_ACTION_RUN, .distribution = name };
        return run_with_lxsd(&o);
}

int main(int argc, char **argv)
{
        struct lxs_options o;
        char err[512];
        /* A vanished lxsd must be an error message, not a silent death. */
        signal(SIGPIPE, SIG_IGN);
        if (lxs_options_parse(argc, argv, &o, err, sizeof(err)) < 0) {
                fprintf(stderr, "lxs: %s\n", err);
                return 1;
        }
        switch (o.action) {
        case LXS_ACTION_HELP:
                fputs(usage_text, stdout);
                return 0;
        case LXS_ACTION_VERSION:
                return print_version();
        case LXS_ACTION_IMPORT:
                return lxs_cmd_import(&o);
        case LXS_ACTION_IMPORT_IN_PLACE:
                return lxs_cmd_import_in_place(&o);
        case LXS_ACTION_EXPORT:
                return lxs_cmd_export(&o);
        case LXS_ACTION_LIST:
                return lxs_cmd_list(&o);
        case LXS_ACTION_SET_DEFAULT:
                return lxs_cmd_set_default(&o);
        case LXS_ACTION_TERMINATE:
                return lxs_cmd_terminate(&o);
        case LXS_ACTION_UNREGISTER:
                return lxs_cmd_unregister(&o);
        case LXS_ACTION_MANAGE:
                return lxs_cmd_manage(&o);
        case LXS_ACTION_INSTALL:
                return lxs_cmd_install(&o, launch_distro_shell);
        case LXS_ACTION_PATH:
                return lxs_cmd_path(&o);
        case LXS_ACTION_MOUNT_VIEW:
                return lxs_cmd_mount_view(o.name);
        default:
                break;
        }
        return run_with_lxsd(&o);
}
