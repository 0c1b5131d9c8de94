/* Static-executable check; see elf-static.h. Reads only the ELF and program headers. */
#include "elf-static.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

enum { PHDR_MAX = 256 };

int lxs_elf_is_static(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
                return -ENOEXEC;
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > PHDR_MAX)
                return -ENOEXEC;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                off_t at = (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph));
                if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
                        return -ENOEXEC;
                if (ph.p_type == PT_INTERP)
                        return 0;
        }
        return 1;
}
