/* lxs-host: runs a host program from inside a distro (command interop, Linux -> host).
 *
 * The guest's /init binary is bind-mounted into every distro as LXS_HOST_IN_DISTRO and acts as
 * lxs-host when called by that name, or as NAME.host (a link in LXS_HOST_SHIMS_DIR for each
 * program on the host's PATH) to run host program NAME. It connects to LXS_INTEROP_SOCKET
 * (host-execs.h), asks for the program with its arguments as given, the environment LXSENV
 * selects (interop/lxsenv.h, `/p` values translated as lxspath -w does), the host directory of
 * its working directory when that is in a shared folder (else the host runs it in the host
 * user's home), and a terminal when both stdin and stdout are terminals. Then it relays stdin,
 * stdout and stderr, forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and window
 * size changes, and exits with the program's status (128+N for signal N; 127/126 when it cannot
 * be found/executed; 1 with a message "lxs-host: ..." when lxs-host itself fails). */
#ifndef LXS_INIT_LXS_HOST_H
#define LXS_INIT_LXS_HOST_H

#include <stdbool.h>

#define LXS_HOST_IN_DISTRO "/usr/local/bin/lxs-host"
#define LXS_HOST_SHIMS_DIR "/run/lxs/host-bin"
#define LXS_HOST_SHIM_SUFFIX ".host"

/* Whether a program name (no directory) is a NAME.host link. */
bool lxs_host_shim_name(const char *called);

/* The program; argv[0] says whether it runs as lxs-host or as a NAME.host link. */
int lxs_host_main(int argc, char **argv);

#endif
