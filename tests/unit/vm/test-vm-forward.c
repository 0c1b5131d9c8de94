/* The monitor commands behind localhost forwarding: host loopback only, same port in the guest. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "qemu-forward.h"

int main(void)
{
        char line[128];
        CHECK_EQ_INT(lxs_qemu_forward_command(8080, true, line, sizeof(line)), 0);
        CHECK_EQ_STR(line, "hostfwd_add net0 tcp:127.0.0.1:8080-10.0.2.15:8080");
        CHECK_EQ_INT(lxs_qemu_forward_command(65535, false, line, sizeof(line)), 0);
        CHECK_EQ_STR(line, "hostfwd_remove net0 tcp:127.0.0.1:65535");
        CHECK_EQ_INT(lxs_qemu_forward_command(0, true, line, sizeof(line)), -EINVAL);
        CHECK_EQ_INT(lxs_qemu_forward_command(80, true, line, 10), -ENAMETOOLONG);
        return check_result("test-vm-forward");
}
