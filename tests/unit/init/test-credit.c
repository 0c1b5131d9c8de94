/* Unit test: stream credit accounting (init/credit.c). */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "credit.h"
#include "protocol.h"

int main(void)
{
        struct lxs_send_credit s;
        lxs_send_credit_init(&s);
        CHECK(s.available == LXS_STREAM_INITIAL_CREDIT);
        CHECK(lxs_send_credit_window(&s, LXS_STREAM_CHUNK) == LXS_STREAM_CHUNK);
        CHECK(lxs_send_credit_spend(&s, LXS_STREAM_INITIAL_CREDIT - 10) == 0);
        CHECK(lxs_send_credit_window(&s, LXS_STREAM_CHUNK) == 10);
        CHECK(lxs_send_credit_spend(&s, 11) == -ERANGE);
        CHECK(s.available == 10);
        CHECK(lxs_send_credit_spend(&s, 10) == 0);
        CHECK(lxs_send_credit_window(&s, LXS_STREAM_CHUNK) == 0);
        lxs_send_credit_grant(&s, 5000);
        CHECK(lxs_send_credit_window(&s, LXS_STREAM_CHUNK) == 5000);
        /* A hostile receiver cannot wrap the counter around to little credit. */
        lxs_send_credit_grant(&s, UINT32_MAX);
        CHECK(s.available == UINT32_MAX);
        lxs_send_credit_grant(&s, 1);
        CHECK(s.available == UINT32_MAX);

        struct lxs_recv_credit r;
        lxs_recv_credit_init(&r);
        CHECK(lxs_recv_credit_accept(&r, LXS_STREAM_CHUNK) == 0);
        CHECK(lxs_recv_credit_accept(&r, LXS_STREAM_INITIAL_CREDIT - LXS_STREAM_CHUNK) == 0);
        CHECK(r.outstanding == 0 && r.buffered == LXS_STREAM_INITIAL_CREDIT);
        /* Beyond the granted credit is a protocol violation, and changes nothing. */
        CHECK(lxs_recv_credit_accept(&r, 1) == -EPROTO);
        CHECK(r.outstanding == 0 && r.buffered == LXS_STREAM_INITIAL_CREDIT);
        CHECK(lxs_recv_credit_accept(&r, 0) == 0);
        CHECK(lxs_recv_credit_consume(&r, 1000) == 1000);
        CHECK(r.outstanding == 1000 && r.buffered == LXS_STREAM_INITIAL_CREDIT - 1000);
        CHECK(lxs_recv_credit_accept(&r, 1001) == -EPROTO);
        CHECK(lxs_recv_credit_accept(&r, 1000) == 0);
        CHECK(lxs_recv_credit_consume(&r, LXS_STREAM_INITIAL_CREDIT + 1) == -ERANGE);
        CHECK(lxs_recv_credit_consume(&r, LXS_STREAM_INITIAL_CREDIT) == (int)LXS_STREAM_INITIAL_CREDIT);
        CHECK(r.outstanding == LXS_STREAM_INITIAL_CREDIT && r.buffered == 0);
        return check_result("test-credit");
}
