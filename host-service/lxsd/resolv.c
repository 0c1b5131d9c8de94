/* The guest's resolv.conf from the host's (resolv.h). */
#include "resolv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat-layout.h"

static bool keyword_is(const char *line, size_t len, const char *word)
{
        size_t n = strlen(word);
        return len > n && strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\t');
}

char *lxsd_guest_resolv_conf(const char *host_text, bool nat)
{
        if (!nat)
                return strdup(host_text ? host_text : "");
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        fputs("nameserver " LXS_NAT_DNS_ADDR "\n", f);
        for (const char *line = host_text; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                if (keyword_is(line, len, "search") || keyword_is(line, len, "domain") ||
                    keyword_is(line, len, "options"))
                        fprintf(f, "%.*s\n", (int)len, line);
                line += len + (end ? 1 : 0);
        }
        if (fclose(f) != 0) {
                free(out);
                errno = ENOMEM;
                return NULL;
        }
        return out;
}
