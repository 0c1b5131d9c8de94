/* Stream credit accounting; see credit.h for the contract. */
#include "credit.h"

#include <errno.h>

#include "protocol.h"

void lxs_send_credit_init(struct lxs_send_credit *c)
{
        c->available = LXS_STREAM_INITIAL_CREDIT;
}

size_t lxs_send_credit_window(const struct lxs_send_credit *c, size_t max)
{
        return c->available < max ? c->available : max;
}

int lxs_send_credit_spend(struct lxs_send_credit *c, size_t n)
{
        if (n > c->available)
                return -ERANGE;
        c->available -= (uint32_t)n;
        return 0;
}

void lxs_send_credit_grant(struct lxs_send_credit *c, uint32_t n)
{
        c->available = n > UINT32_MAX - c->available ? UINT32_MAX : c->available + n;
}

void lxs_recv_credit_init(struct lxs_recv_credit *c)
{
        c->outstanding = LXS_STREAM_INITIAL_CREDIT;
        c->buffered = 0;
}

int lxs_recv_credit_accept(struct lxs_recv_credit *c, size_t n)
{
        if (n > c->outstanding)
                return -EPROTO;
        c->outstanding -= (uint32_t)n;
        c->buffered += (uint32_t)n;
        return 0;
}

int lxs_recv_credit_consume(struct lxs_recv_credit *c, size_t n)
{
        if (n > c->buffered)
                return -ERANGE;
        c->buffered -= (uint32_t)n;
        c->outstanding += (uint32_t)n;
        return (int)n;
}
