/* The optional stable links to the host views of distros ([views] linkDir in lxs.conf):
 * LINK_DIR/NAME -> $XDG_RUNTIME_DIR/lxs/mnt/NAME, as WSL users reach \\wsl$\NAME.
 *
 * A link is only ever made where nothing is, and only ever removed when it is a symlink to
 * exactly the view it would have been made for: a file, folder or link the user put there
 * is left alone. Host programs only; nothing here prints. */
#ifndef LXS_VIEW_LINK_H
#define LXS_VIEW_LINK_H

/* Makes LINK_DIR (one level, mode 0700, if missing) and LINK_DIR/NAME -> target. 0 when it is
 * there afterwards (also when it already was), -EEXIST when something else holds the name,
 * -EINVAL for a name that is not a single path component, other negative errno on failure. */
int lxs_view_link_make(const char *link_dir, const char *name, const char *target);

/* Removes LINK_DIR/NAME when it is a symlink to target. 0 when removed or absent, -EEXIST
 * when something else holds the name (left in place), other negative errno on failure. */
int lxs_view_link_remove(const char *link_dir, const char *name, const char *target);

#endif
