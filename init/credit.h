/* Credit-based flow control of one stream, as guest.proto defines it.
 *
 * A sender holds credit (LXS_STREAM_INITIAL_CREDIT at start) and may send a chunk only when it
 * fits; the receiver grants credit back for bytes it has consumed. The guest sends stdout and
 * stderr (lxs_send_credit) and receives stdin (lxs_recv_credit), where a host sending beyond
 * the credit it holds is a protocol violation. Pure arithmetic: no I/O, nothing prints. */
#ifndef LXS_INIT_CREDIT_H
#define LXS_INIT_CREDIT_H

#include <stddef.h>
#include <stdint.h>

struct lxs_send_credit {
        uint32_t available;
};

void lxs_send_credit_init(struct lxs_send_credit *c);
/* How many bytes may be sent now, at most `max`. */
size_t lxs_send_credit_window(const struct lxs_send_credit *c, size_t max);
/* Spends credit for n sent bytes; -ERANGE (and nothing spent) when n exceeds it. */
int lxs_send_credit_spend(struct lxs_send_credit *c, size_t n);
/* Adds a grant from the receiver; saturates instead of wrapping. */
void lxs_send_credit_grant(struct lxs_send_credit *c, uint32_t n);

struct lxs_recv_credit {
        uint32_t outstanding; /* credit the sender still holds */
        uint32_t buffered;    /* accepted bytes not yet consumed */
};

void lxs_recv_credit_init(struct lxs_recv_credit *c);
/* Accepts n incoming bytes; -EPROTO when they exceed the sender's credit. */
int lxs_recv_credit_accept(struct lxs_recv_credit *c, size_t n);
/* Marks n accepted bytes consumed; returns the credit to grant back (n), or -ERANGE when more
 * is consumed than was accepted. */
int lxs_recv_credit_consume(struct lxs_recv_credit *c, size_t n);

#endif
