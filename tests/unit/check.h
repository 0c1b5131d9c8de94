/* Minimal assertion helpers for unit tests: a failed CHECK prints file:line and the expression
 * and marks the test failed; the test's main returns check_result(). */
#ifndef LXS_TEST_CHECK_H
#define LXS_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(expr)                                                                      \
        do {                                                                             \
                if (!(expr)) {                                                           \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                        check_failures++;                                                \
                }                                                                        \
        } while (0)

#define CHECK_EQ_INT(a, b)                                                                       \
        do {                                                                                     \
                long long _a = (long long)(a), _b = (long long)(b);                              \
                if (_a != _b) {                                                                  \
                        fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                                #a, _a, #b, _b);                                                 \
                        check_failures++;                                                        \
                }                                                                                \
        } while (0)

#define CHECK_EQ_STR(a, b)                                                                       \
        do {                                                                                     \
                const char *_a = (a), *_b = (b);                                                 \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                         \
                        fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                                _a ? _a : "(null)", _b ? _b : "(null)");                         \
                        check_failures++;                                                        \
                }                                                                                \
        } while (0)

static inline int check_result(const char *name)
{
        if (check_failures)
                fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return check_failures ? 1 : 0;
}

#endif
