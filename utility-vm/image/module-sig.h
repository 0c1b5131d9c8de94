/* Kernel module signatures: the length of a module file without its appended signature.
 *
 * The initramfs ships Debian's modules unsigned: the kernel does not enforce signatures
 * (module.sig_enforce is off), but it does verify a signature that is there, which means
 * hashing the whole module: under TCG that is a large part of loading ext4 and friends on the
 * way to a distro's first start. The initramfs itself is what the guest trusts. */
#ifndef LXS_MODULE_SIG_H
#define LXS_MODULE_SIG_H

#include <stddef.h>
#include <stdint.h>

/* len when the module carries no well-formed signature, else the length of the module proper. */
size_t lxs_module_unsigned_len(const uint8_t *buf, size_t len);

#endif
