/* Whether an executable can run in the guest's initramfs, where there is no dynamic loader:
 * a 64-bit ELF without a PT_INTERP program header. */
#ifndef LXS_ELF_STATIC_H
#define LXS_ELF_STATIC_H

/* 1 if static, 0 if it needs a dynamic loader, -ENOEXEC if not a 64-bit ELF, -errno. */
int lxs_elf_is_static(const char *path);

#endif
