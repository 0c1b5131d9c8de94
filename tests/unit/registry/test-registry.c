/* The distro registry on a real directory: names, add/get/list/remove, the default, records
 * surviving a reopen, reservations (same name refused while an import lives, install dir
 * conflicts) and the clean-up of an import that died mid-way. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "registry.h"

static struct lxs_distro make(const char *name, const char *dir)
{
        struct lxs_distro d = { 0 };
        d.name = (char *)name;
        d.install_dir = (char *)dir;
        char *img;
        if (asprintf(&img, "%s/ext4.img", dir) < 0)
                abort();
        d.image = img;
        return d;
}

int main(void)
{
        char tmpl[] = "/tmp/lxs-reg.XXXXXX";
        char *root = mkdtemp(tmpl);
        char regdir[256], dir_a[256], dir_b[256], dir_c[256];
        snprintf(regdir, sizeof(regdir), "%s/registry", root);
        snprintf(dir_a, sizeof(dir_a), "%s/a", root);
        snprintf(dir_b, sizeof(dir_b), "%s/b", root);
        snprintf(dir_c, sizeof(dir_c), "%s/c", root);

        CHECK_EQ_INT(lxs_distro_name_check("Debian-12.x_y"), 0);
        CHECK_EQ_INT(lxs_distro_name_check(""), -EINVAL);
        CHECK_EQ_INT(lxs_distro_name_check("-x"), -EINVAL);
        CHECK_EQ_INT(lxs_distro_name_check("a/b"), -EINVAL);
        CHECK_EQ_INT(lxs_distro_name_check(".."), -EINVAL);
        CHECK_EQ_INT(lxs_distro_name_check("with space"), -EINVAL);
        CHECK_EQ_INT(lxs_distro_name_check("0123456789012345678901234567890123456789012345678901234567890123"), 0);
        CHECK_EQ_INT(lxs_distro_name_check("01234567890123456789012345678901234567890123456789012345678901234"), -EINVAL);

        struct lxs_registry r;
        CHECK_EQ_INT(lxs_registry_open(&r, regdir), 0);
        struct stat st;
        CHECK(stat(regdir, &st) == 0 && (st.st_mode & 0777) == 0700);
        char *def = NULL;
        CHECK_EQ_INT(lxs_registry_get_default(&r, &def), -ENOENT);

        CHECK_EQ_INT(lxs_registry_lock(&r), 0);
        struct lxs_distro a = make("Debian", dir_a), b = make("alpine", dir_b);
        CHECK_EQ_INT(lxs_registry_add(&r, &a), 0);
        CHECK_EQ_INT(lxs_registry_add(&r, &b), 0);
        struct lxs_distro dup = make("DEBIAN", dir_c);
        CHECK_EQ_INT(lxs_registry_add(&r, &dup), -EEXIST); /* names ignore case */
        lxs_registry_unlock(&r);

        /* The first distro became the default; a reopened registry sees the same. */
        lxs_registry_close(&r);
        CHECK_EQ_INT(lxs_registry_open(&r, regdir), 0);
        CHECK_EQ_INT(lxs_registry_get_default(&r, &def), 0);
        CHECK_EQ_STR(def, "Debian");
        free(def);
        struct lxs_distro got;
        CHECK_EQ_INT(lxs_registry_get(&r, "debian", &got), 0);
        CHECK_EQ_STR(got.name, "Debian");
        CHECK_EQ_STR(got.install_dir, dir_a);
        CHECK_EQ_STR(got.image, a.image);
        got.default_uid = 1000;
        CHECK_EQ_INT(lxs_registry_update(&r, &got), 0);
        lxs_distro_clear(&got);
        CHECK_EQ_INT(lxs_registry_get(&r, "Debian", &got), 0);
        CHECK_EQ_INT(got.default_uid, 1000);
        lxs_distro_clear(&got);
        CHECK_EQ_INT(lxs_registry_get(&r, "nope", &got), -ENOENT);

        struct lxs_distro *list;
        size_t n;
        CHECK_EQ_INT(lxs_registry_list(&r, &list, &n), 0);
        CHECK_EQ_INT(n, 2);
        if (n == 2) {
                CHECK_EQ_STR(list[0].name, "alpine");
                CHECK_EQ_STR(list[1].name, "Debian");
        }
        lxs_distro_list_free(list, n);

        /* Reservations: the same name or install dir is refused; a taken name too. */
        CHECK_EQ_INT(lxs_registry_reserve(&r, "alpine", dir_c, true), -EEXIST);
        CHECK_EQ_INT(lxs_registry_reserve(&r, "new", dir_a, false), -EBUSY);
        int res = lxs_registry_reserve(&r, "new", dir_c, true);
        CHECK(res >= 0);
        pid_t child = fork();
        if (child == 0) {
                struct lxs_registry r2;
                lxs_registry_open(&r2, regdir);
                int x = lxs_registry_reserve(&r2, "NEW", root, false);
                _exit(x == -EEXIST ? 0 : 1);
        }
        int status;
        waitpid(child, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK_EQ_INT(lxs_registry_cleanup(&r), 0); /* live: untouched */
        lxs_registry_finish_pending(&r, "new", res);

        /* An import that dies after creating its dir and a temp image is undone by cleanup. */
        child = fork();
        if (child == 0) {
                struct lxs_registry r2;
                lxs_registry_open(&r2, regdir);
                if (lxs_registry_reserve(&r2, "crashy", dir_c, true) < 0)
                        _exit(1);
                mkdir(dir_c, 0755);
                char tmp[300];
                snprintf(tmp, sizeof(tmp), "%s/ext4.img.tmp-123", dir_c);
                close(open(tmp, O_CREAT | O_WRONLY, 0600));
                _exit(0); /* dies with the reservation still there */
        }
        waitpid(child, &status, 0);
        CHECK(access(dir_c, F_OK) == 0);
        CHECK_EQ_INT(lxs_registry_cleanup(&r), 1);
        CHECK(access(dir_c, F_OK) != 0);
        CHECK_EQ_INT(lxs_registry_get(&r, "crashy", &got), -ENOENT);

        /* Removing the default hands it to the first remaining distro. */
        CHECK_EQ_INT(lxs_registry_remove(&r, "debian"), 0);
        CHECK_EQ_INT(lxs_registry_get_default(&r, &def), 0);
        CHECK_EQ_STR(def, "alpine");
        free(def);
        CHECK_EQ_INT(lxs_registry_remove(&r, "debian"), -ENOENT);
        CHECK_EQ_INT(lxs_registry_set_default(&r, "ghost"), -ENOENT);
        lxs_registry_close(&r);
        free(a.image);
        free(b.image);
        free(dup.image);
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        CHECK(system(cmd) == 0);
        return check_result("test-registry");
}
