/* Unit test: hostname validation of HelloAck.hostname (init/system-settings.c). */
#include <string.h>

#include "check.h"
#include "system-settings.h"

int main(void)
{
        CHECK(lxs_hostname_valid("lxs"));
        CHECK(lxs_hostname_valid("my-host.example"));
        CHECK(lxs_hostname_valid("A1"));
        char max[65];
        memset(max, 'a', 64);
        max[64] = '\0';
        CHECK(lxs_hostname_valid(max));
        char over[66];
        memset(over, 'a', 65);
        over[65] = '\0';
        CHECK(!lxs_hostname_valid(over));
        CHECK(!lxs_hostname_valid(""));
        CHECK(!lxs_hostname_valid(NULL));
        CHECK(!lxs_hostname_valid("-lead"));
        CHECK(!lxs_hostname_valid(".lead"));
        CHECK(!lxs_hostname_valid("has space"));
        CHECK(!lxs_hostname_valid("semi;colon"));
        CHECK(!lxs_hostname_valid("new\nline"));
        CHECK(!lxs_hostname_valid("caf\xc3\xa9"));
        /* Clock sync refuses nonsense before touching the clock. */
        CHECK(lxs_clock_sync(0) < 0);
        CHECK(lxs_clock_sync(-5) < 0);
        return check_result("test-system-settings");
}
