/* A very small unit-test harness.
 *
 * Each tests/unit/test_*.c file is its own program:
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); CHECK_EQ_INT(f(), 0); }
 *     int main(void) { RUN(test_something); return check_done("sip_msg"); }
 *
 * A test passes when none of its checks failed.  check_done prints
 * "SUITE: N passed, N failed" and returns the exit status; tests/unit/run.sh
 * adds up the suites and prints the total as the last line, which is what CI
 * reads.  A failed check prints file:line and the expression and goes on, so
 * one run shows every failure.
 */
#ifndef SC_TEST_CHECK_H
#define SC_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_now;
static int check_npassed;
static int check_nfailed;
static const char *check_current = "";

#define CHECK(expr)                                                                    \
	do {                                                                           \
		if (!(expr)) {                                                         \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
				check_current, #expr);                                 \
			check_failed_now = 1;                                          \
		}                                                                      \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                             \
	do {                                                                           \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
		if (check_a_ != check_b_) {                                            \
			fprintf(stderr, "%s:%d: %s: %s == %lld, expected %s == %lld\n",   \
				__FILE__, __LINE__, check_current, #a, check_a_, #b,    \
				check_b_);                                             \
			check_failed_now = 1;                                          \
		}                                                                      \
	} while (0)

/* Compares a slice (sc_str) with a C string. */
#define CHECK_STR(slice, z)                                                            \
	do {                                                                           \
		sc_str check_s_ = (slice);                                             \
		const char *check_z_ = (z);                                            \
		if (!check_s_.p || check_s_.n != strlen(check_z_) ||                   \
		    memcmp(check_s_.p, check_z_, check_s_.n) != 0) {                   \
			fprintf(stderr, "%s:%d: %s: %s is \"%.*s\"%s, expected \"%s\"\n",  \
				__FILE__, __LINE__, check_current, #slice,              \
				(int)check_s_.n, check_s_.p ? check_s_.p : "",          \
				check_s_.p ? "" : " (unset)", check_z_);                 \
			check_failed_now = 1;                                          \
		}                                                                      \
	} while (0)

#define RUN(fn)                                                                        \
	do {                                                                           \
		check_current = #fn;                                                   \
		check_failed_now = 0;                                                  \
		fn();                                                                  \
		if (check_failed_now) {                                                \
			check_nfailed++;                                               \
			fprintf(stderr, "FAIL %s\n", #fn);                              \
		} else {                                                               \
			check_npassed++;                                               \
		}                                                                      \
	} while (0)

static inline int check_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_npassed, check_nfailed);
	return check_nfailed ? 1 : 0;
}

#endif
