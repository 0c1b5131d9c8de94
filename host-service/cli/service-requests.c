/* Requests to an lxsd that already runs; see service-requests.h. */
#include "service-requests.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client.h"

/* One request, one reply, on a connection to a running lxsd. 1 with *reply; 0 when lxsd does
 * not run; negative errno with err filled. */
static int ask(Lxs__Service__Request *req, Lxs__Service__Reply **reply, char *err, size_t errlen)
{
        /* An lxsd on its way out may still accept and then drop us: ask once more. */
        for (int attempt = 0; attempt < 2; attempt++) {
                struct lxs_client c;
                int r = lxs_client_connect_running(&c, err, errlen);
                if (r == -ESRCH)
                        return 0;
                if (r < 0)
                        return r;
                r = lxs_client_send(&c, req);
                if (r == 0)
                        r = lxs_client_recv(&c, reply);
                lxs_client_close(&c);
                if (r == 0)
                        return 1;
                if (r != -EPIPE && r != -ECONNRESET) {
                        snprintf(err, errlen, "lxsd: %s", strerror(-r));
                        return r;
                }
                usleep(50000);
        }
        snprintf(err, errlen, "lxsd: connection lost before it answered");
        return -EPIPE;
}

int lxs_service_terminate(const char *name, char *err, size_t errlen)
{
        Lxs__Service__TerminateRequest t = LXS__SERVICE__TERMINATE_REQUEST__INIT;
        t.distro = (char *)name;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_TERMINATE;
        req.terminate = &t;
        Lxs__Service__Reply *reply = NULL;
        int r = ask(&req, &reply, err, errlen);
        if (r <= 0)
                return r;
        if (reply->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                snprintf(err, errlen, "%s", reply->error->message);
                r = -(reply->error->errno_value > 0 ? reply->error->errno_value : EIO);
        } else if (reply->msg_case != LXS__SERVICE__REPLY__MSG_OK) {
                snprintf(err, errlen, "lxsd: unexpected reply");
                r = -EPROTO;
        } else {
                r = 0;
        }
        lxs__service__reply__free_unpacked(reply, NULL);
        return r;
}

int lxs_service_list(Lxs__Service__ListReply **list, char *err, size_t errlen)
{
        *list = NULL;
        Lxs__Service__ListRequest l = LXS__SERVICE__LIST_REQUEST__INIT;
        Lxs__Service__Request req = LXS__SERVICE__REQUEST__INIT;
        req.msg_case = LXS__SERVICE__REQUEST__MSG_LIST;
        req.list = &l;
        Lxs__Service__Reply *reply = NULL;
        int r = ask(&req, &reply, err, errlen);
        if (r <= 0)
                return r;
        if (reply->msg_case == LXS__SERVICE__REPLY__MSG_LIST) {
                *list = reply->list;
                reply->list = NULL; /* keep it past the envelope */
                reply->msg_case = LXS__SERVICE__REPLY__MSG__NOT_SET;
                r = 0;
        } else if (reply->msg_case == LXS__SERVICE__REPLY__MSG_ERROR) {
                snprintf(err, errlen, "%s", reply->error->message);
                r = -(reply->error->errno_value > 0 ? reply->error->errno_value : EIO);
        } else {
                snprintf(err, errlen, "lxsd: unexpected reply");
                r = -EPROTO;
        }
        lxs__service__reply__free_unpacked(reply, NULL);
        return r;
}

const char *lxs_service_state_of(const Lxs__Service__ListReply *list, const char *name)
{
        for (size_t i = 0; list && i < list->n_distros; i++)
                if (strcasecmp(list->distros[i]->name, name) == 0)
                        return list->distros[i]->state;
        return NULL;
}
