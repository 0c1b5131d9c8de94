/* Where an lxs program finds its siblings and the guest image. The build tree mirrors the
 * install layout: programs in bin/ (lxsd in libexec/lxs/ once installed), the image in
 * share/lxs/. Resolution starts from the running executable, so a relocated install works;
 * LXS_IMAGE_DIR and LXSD override for tests. Returns malloc'd paths, NULL + errno. */
#ifndef LXS_INSTALL_DIRS_H
#define LXS_INSTALL_DIRS_H

char *lxs_image_dir(void);
/* Finds lxsd: $LXSD, else next to this program, else <prefix>/libexec/lxs/lxsd. */
char *lxs_lxsd_path(void);
/* Finds the CLI (lxsd runs it for each distro's file view): $LXS_CLI, else next to this
 * program, else ../../bin/lxs from libexec/lxs/, else <prefix>/bin/lxs. */
char *lxs_cli_path(void);

#endif
