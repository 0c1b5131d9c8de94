/* A scripted guest for lxsd-core's unit tests: lxsd's VM manager in the running state on a
 * socketpair instead of QEMU's control port (the VM driver replaced by one that owns nothing),
 * the test playing /init on the other end. Messages lxsd sends are decoded for the test to
 * check; messages the test sends go through lxsd's real reader and dispatch. */
#ifndef LXS_TEST_FAKE_GUEST_H
#define LXS_TEST_FAKE_GUEST_H

#include "lxsd.h"

/* Sets up lxsd with a running VM; returns its manager. */
struct vm_manager *fake_guest_setup(void);
void fake_guest_teardown(void);

/* Runs lxsd's event loop for ms milliseconds. */
void run_for(unsigned ms);
/* The next message lxsd sent the guest, waiting up to ms; NULL if none came. Free with
 * lxs__guest__host_to_guest__free_unpacked. */
Lxs__Guest__HostToGuest *guest_next(unsigned ms);
#ifndef LXS_FAKE_GUEST_IMPL
#include <stdio.h>

#include "../check.h"

/* The next message, which must be of this kind (else a check failure of the calling test, and
 * NULL). */
static inline Lxs__Guest__HostToGuest *guest_expect(Lxs__Guest__HostToGuest__MsgCase kind)
{
        Lxs__Guest__HostToGuest *m = guest_next(5000);
        if (!m || m->msg_case != kind) {
                fprintf(stderr, "expected guest message %d, got %d\n", kind, m ? (int)m->msg_case : -1);
                check_failures++;
                if (m)
                        lxs__guest__host_to_guest__free_unpacked(m, NULL);
                return NULL;
        }
        return m;
}
#endif
/* Sends a message as the guest, then runs the loop for 10 ms. */
void guest_send(const Lxs__Guest__GuestToHost *msg);

#endif
