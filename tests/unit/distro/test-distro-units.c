/* Unit checks of lxs-distro's small pure pieces: archive path normalization, the ext4 time and
 * device number encodings, export format names, and the progress bar's line and its silence
 * when stderr is not a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "image-internal.h"
#include "image-tree.h"
#include "image.h"
#include "progress.h"

static void check_normalize(const char *in, int expect_len, const char *expect)
{
        char out[512];
        int n = tree_normalize(in, out, sizeof(out));
        CHECK_EQ_INT(n, expect_len);
        if (n >= 0)
                CHECK_EQ_STR(out, expect);
}

static void test_normalize(void)
{
        check_normalize("./", 0, "");
        check_normalize(".", 0, "");
        check_normalize("/", 0, "");
        check_normalize("./usr/bin/", 7, "usr/bin");
        check_normalize("usr//bin/./ls", 10, "usr/bin/ls");
        check_normalize("/abs/name", 8, "abs/name");
        check_normalize("../x", -EPERM, "");
        check_normalize("a/../b", -EPERM, "");
        check_normalize("a/..b/c", 7, "a/..b/c");
        char long_name[300];
        memset(long_name, 'n', 256);
        long_name[256] = '\0';
        check_normalize(long_name, -ENAMETOOLONG, "");
        long_name[255] = '\0';
        check_normalize(long_name, 255, long_name);

        struct image_tree t;
        CHECK_EQ_INT(tree_init(&t, 2), 0);
        struct tree_node *root = tree_lookup(&t, "", 0);
        CHECK(root && root->dir);
        /* Enough nodes to make the table grow several times. */
        char path[64];
        struct tree_node *usr = tree_add(&t, root, "usr", 3, 12, EXT2_FT_DIR);
        for (int i = 0; i < 20000; i++) {
                int n = snprintf(path, sizeof(path), "usr/f%d", i);
                CHECK(tree_add(&t, usr, path, (size_t)n, 100 + (ext2_ino_t)i, EXT2_FT_REG_FILE));
        }
        struct tree_node *n = tree_lookup(&t, "usr/f12345", 10);
        CHECK(n && n->ino == 12445 && strcmp(n->path + n->name_off, "f12345") == 0);
        CHECK(tree_lookup(&t, "usr/f20000", 10) == NULL);
        CHECK_EQ_INT(usr->dir->n_children, 20000);
        CHECK_EQ_INT(root->dir->subdirs, 1);
        tree_free(&t);
}

static void check_time(int64_t sec, long nsec)
{
        uint32_t lo, extra;
        image_time_encode(sec, nsec, &lo, &extra);
        long ns = -1;
        int64_t back = image_time_decode(lo, extra, &ns);
        CHECK_EQ_INT(back, sec);
        CHECK_EQ_INT(ns, nsec);
}

static void test_encodings(void)
{
        check_time(0, 0);
        check_time(1700000000, 123456789);
        check_time(-31536000, 0);               /* 1969 */
        check_time(4102444800LL, 250000000);    /* 2100: needs an epoch bit */
        check_time(0x37fffffffLL, 999999999);   /* the last second ext4 can store */

        struct ext2_inode_large in;
        static const dev_t devs[] = { 0, 0x0103, 0x0805 };
        for (size_t i = 0; i < LXS_ARRAY_SIZE(devs); i++) {
                memset(&in, 0, sizeof(in));
                image_inode_set_rdev(&in, devs[i]);
                CHECK_EQ_INT(image_inode_rdev(&in), devs[i]);
        }
        memset(&in, 0, sizeof(in));
        image_inode_set_rdev(&in, makedev(300, 70000));
        CHECK_EQ_INT(in.i_block[0], 0);         /* too big for the old encoding */
        CHECK_EQ_INT(major(image_inode_rdev(&in)), 300);
        CHECK_EQ_INT(minor(image_inode_rdev(&in)), 70000);

        memset(&in, 0, sizeof(in));
        image_inode_set_owner(&in, 100000, 4294967294u);
        CHECK_EQ_INT(image_inode_uid(&in), 100000);
        CHECK_EQ_INT(image_inode_gid(&in), 4294967294u);
}

static void test_formats(void)
{
        enum lxs_export_format f;
        CHECK_EQ_INT(lxs_export_format_parse("tar.zst", &f), 0);
        CHECK_EQ_INT(f, LXS_EXPORT_TAR_ZST);
        CHECK_EQ_INT(lxs_export_format_parse("vhd", &f), 0);
        CHECK_EQ_INT(f, LXS_EXPORT_VHD);
        CHECK_EQ_INT(lxs_export_format_parse("zip", &f), -EINVAL);
        CHECK_EQ_INT(lxs_export_format_from_name("/x/debian.tar.gz"), LXS_EXPORT_TAR_GZ);
        CHECK_EQ_INT(lxs_export_format_from_name("debian.tgz"), LXS_EXPORT_TAR_GZ);
        CHECK_EQ_INT(lxs_export_format_from_name("debian.tar.xz"), LXS_EXPORT_TAR_XZ);
        CHECK_EQ_INT(lxs_export_format_from_name("debian.vhd"), LXS_EXPORT_VHD);
        CHECK_EQ_INT(lxs_export_format_from_name("debian"), LXS_EXPORT_TAR);
}

static void test_progress(void)
{
        char line[160], b[32];
        CHECK_EQ_STR(lxs_format_bytes(512, b, sizeof(b)), "512 B");
        CHECK_EQ_STR(lxs_format_bytes(3 << 20, b, sizeof(b)), "3.0 MiB");
        lxs_progress_format(line, sizeof(line), "import", 50 << 20, 200 << 20, 2.0);
        CHECK_EQ_STR(line, "import [######..................]  25%  50.0 MiB / 200.0 MiB  25.0 MiB/s");
        lxs_progress_format(line, sizeof(line), "import", 50 << 20, 0, 2.0);
        CHECK_EQ_STR(line, "import  50.0 MiB  25.0 MiB/s");

        /* Not a terminal: nothing is written. */
        int p[2];
        CHECK(pipe(p) == 0);
        struct lxs_progress bar;
        lxs_progress_init(&bar, p[1], "import");
        CHECK(!bar.enabled);
        lxs_progress_update(&bar, 10, 100);
        lxs_progress_finish(&bar);
        close(p[1]);
        char buf[16];
        CHECK_EQ_INT(read(p[0], buf, sizeof(buf)), 0);
        close(p[0]);
}

int main(void)
{
        test_normalize();
        test_encodings();
        test_formats();
        test_progress();
        return check_result("test-distro-units");
}
