/* Symlink targets of the host view, kept inside the view.
 *
 * The host kernel follows a symlink in the FUSE view on the host: an absolute target `/etc`
 * would lead to the host's /etc, and enough `..` would climb out of the mount point. Both are
 * wrong (in the distro `/etc` is the distro's /etc and `..` stops at its root) and a guest could
 * use them to steer the host user's writes onto host files. So the view hands the kernel a
 * relative target that resolves, from the link's directory, to what the distro would resolve:
 * the target is normalised lexically against a directory `dir_depth` levels below the view's
 * root (`..` at the root stays at the root, as in the distro) and written as `..` steps up to
 * the deepest directory kept, then the remaining names. Only the depth is needed, not the
 * directory's names. Pure and thread-safe; nothing here prints. */
#ifndef LXS_SYMLINK_CONFINE_H
#define LXS_SYMLINK_CONFINE_H

#include <stddef.h>

/* Writes the confined form of target into out (size bytes, NUL-terminated). A trailing slash
 * is kept; a target naming the link's own directory becomes ".". Returns the length, -EINVAL
 * for an empty target, -ENAMETOOLONG when the result does not fit. */
int lxs_symlink_confine(const char *target, unsigned dir_depth, char *out, size_t size);

#endif
