/* A scripted guest for lxsd-core's unit tests: lxsd's VM manager in the running state on a
 * socketpair instead of QEMU's control port (the VM driver replaced by one that owns nothing),
 * the test playing /init on the other end. Messages lxsd sends are decoded for the test to
 * check; messages the test sends go through lxsd's real reader and dispatch. */
#ifndef LXS_TEST_FAKE_GUEST_H
#define LXS_TEST_FAKE_GUEST_H

#include "lxsd.h"

/* Sets up lxsd with a running VM; returns its manager. dir: lxsd's runtime, state and image
 * directory (NULL: /tmp); driver: the VM driver (NULL: one that owns nothing and has no disks).
 * lxsd itself is m->d. */
struct vm_manager *fake_guest_setup(const char *dir, const struct lxs_vm_ops *driver);
void fake_guest_teardown(void);

/* Runs lxsd's event loop for ms milliseconds. */
void run_for(unsigned ms);
/* The next message lxsd sent the guest, waiting up to ms; NULL if none came. Free with
 * lxs__guest__host_to_guest__free_unpacked. */
Lxs__Guest__HostToGuest *guest_next(unsigned ms);
#ifndef LXS_FAKE_GUEST_IMPL
#include <stdio.h>

#include "../check.h"

/* The next message within ms, which must be of this kind (else a check failure of the calling
 * test, and NULL). */
static inline Lxs__Guest__HostToGuest *guest_expect_within(Lxs__Guest__HostToGuest__MsgCase kind, unsigned ms)
{
        Lxs__Guest__HostToGuest *m = guest_next(ms);
        if (!m || m->msg_case != kind) {
                fprintf(stderr, "expected guest message %d, got %d\n", kind, m ? (int)m->msg_case : -1);
                check_failures++;
                if (m)
                        lxs__guest__host_to_guest__free_unpacked(m, NULL);
                return NULL;
        }
        return m;
}

static inline Lxs__Guest__HostToGuest *guest_expect(Lxs__Guest__HostToGuest__MsgCase kind)
{
        return guest_expect_within(kind, 5000);
}
#endif
/* Sends a message as the guest, then runs the loop for 20 ms. */
void guest_send(const Lxs__Guest__GuestToHost *msg);
/* Well-formed guest messages about a session (or host program, or connection) id. */
void guest_send_started(uint32_t id);
void guest_send_exited(uint32_t id);
void guest_send_data(uint32_t id, Lxs__Guest__Stream stream, const void *data, size_t len);
void guest_send_close(uint32_t id, Lxs__Guest__Stream stream);

#endif
