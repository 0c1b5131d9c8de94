/* The CLI's connection to lxsd: connects to $XDG_RUNTIME_DIR/lxs/lxsd.sock, starting lxsd first
 * when nobody listens, and exchanges framed service.proto messages. Blocking I/O: the CLI does
 * one operation per process. Returns negative errno; *err gets a one-line reason. */
#ifndef LXS_CLI_CLIENT_H
#define LXS_CLI_CLIENT_H

#include <stddef.h>

#include "frame.h"
#include "protocol.h"

struct lxs_client {
        int fd;
        struct lxs_frame_reader rd;
};

/* Returned by an operation instead of an exit status when the connection to lxsd broke before
 * lxsd answered anything: nothing was done, and the caller may retry on a fresh connection (an
 * lxsd that was killed can hold its socket open for a moment while its threads exit). */
#define LXS_CLI_RETRY (-1)

int lxs_client_connect(struct lxs_client *c, char *err, size_t errlen);
/* Connects only to an lxsd that already runs: -ESRCH when none does (then nothing of lxs runs,
 * no VM and no distro). */
int lxs_client_connect_running(struct lxs_client *c, char *err, size_t errlen);
void lxs_client_close(struct lxs_client *c);
/* Sends one request (protocol_version is filled in). */
int lxs_client_send(struct lxs_client *c, Lxs__Service__Request *req);
/* Blocks for the next reply; -EPIPE when lxsd closed the connection. */
int lxs_client_recv(struct lxs_client *c, Lxs__Service__Reply **reply);
/* Decodes a reply already buffered, without blocking: 1 with *reply, 0 if none complete. */
int lxs_client_next_buffered(struct lxs_client *c, Lxs__Service__Reply **reply);

#endif
