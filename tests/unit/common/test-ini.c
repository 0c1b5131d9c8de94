/* INI reader and value parsers. */
#include <errno.h>
#include <stdlib.h>

#include "../check.h"
#include "ini.h"

struct seen {
        char text[512];
};

static int collect(const char *section, const char *key, const char *value, unsigned line, void *data)
{
        struct seen *s = data;
        size_t n = strlen(s->text);
        snprintf(s->text + n, sizeof(s->text) - n, "%u:[%s]%s=%s;", line, section, key, value);
        return 0;
}

static void test_parse(void)
{
        const char *text = "# comment\n; also\n\n[vm]\n memory = 4GB \nkernel=\"/a b\"\n[x]\nk=v=w\n";
        struct seen s = { "" };
        unsigned line = 0;
        CHECK_EQ_INT(lxs_ini_parse_string(text, strlen(text), collect, &s, &line), 0);
        CHECK_EQ_STR(s.text, "5:[vm]memory=4GB;6:[vm]kernel=/a b;8:[x]k=v=w;");
}

static void test_errors(void)
{
        static const struct {
                const char *text;
                unsigned line;
        } bad[] = {
                { "[vm\n", 1 }, { "[vm]\nnoequals\n", 2 }, { "\n\n= value\n", 3 }, { "[]\n", 1 }, { "[a] x\n", 1 },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct seen s = { "" };
                unsigned line = 0;
                CHECK_EQ_INT(lxs_ini_parse_string(bad[i].text, strlen(bad[i].text), collect, &s, &line), -EINVAL);
                CHECK_EQ_INT(line, bad[i].line);
        }
        CHECK_EQ_INT(lxs_ini_parse_file("/nonexistent/lxs.conf", collect, NULL, NULL), -ENOENT);
}

static void test_values(void)
{
        unsigned long long v;
        CHECK(lxs_parse_size("4GB", &v) == 0 && v == 4ULL << 30);
        CHECK(lxs_parse_size("512MB", &v) == 0 && v == 512ULL << 20);
        CHECK(lxs_parse_size("1024", &v) == 0 && v == 1024);
        CHECK(lxs_parse_size("2g", &v) == 0 && v == 2ULL << 30);
        CHECK_EQ_INT(lxs_parse_size("abc", &v), -EINVAL);
        CHECK_EQ_INT(lxs_parse_size("4XB", &v), -EINVAL);
        CHECK_EQ_INT(lxs_parse_size("-1", &v), -EINVAL);
        CHECK_EQ_INT(lxs_parse_size("99999999999999TB", &v), -ERANGE);
        int b;
        CHECK(lxs_parse_bool("true", &b) == 0 && b == 1);
        CHECK(lxs_parse_bool("Off", &b) == 0 && b == 0);
        CHECK_EQ_INT(lxs_parse_bool("maybe", &b), -EINVAL);
        CHECK(lxs_parse_u64("60000", &v) == 0 && v == 60000);
        CHECK_EQ_INT(lxs_parse_u64("60s", &v), -EINVAL);
}

int main(void)
{
        test_parse();
        test_errors();
        test_values();
        return check_result("test-ini");
}
