/* The host programs of the last handshake; see host-programs.h. */
#include "host-programs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char **names;
static size_t count;

static void clear(void)
{
        for (size_t i = 0; i < count; i++)
                free(names[i]);
        free(names);
        names = NULL;
        count = 0;
}

int lxs_host_programs_set(const Lxs__Guest__HelloAck *ack)
{
        clear();
        if (ack->n_host_programs == 0)
                return 0;
        names = calloc(ack->n_host_programs, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < ack->n_host_programs; i++) {
                names[i] = strdup(ack->host_programs[i]);
                if (!names[i]) {
                        clear();
                        return -ENOMEM;
                }
                count++;
        }
        return 0;
}

char *const *lxs_host_programs(size_t *n)
{
        *n = count;
        return names;
}
