/* Transaction table (SPEC B9): retransmissions absorbed and answered with the
 * last response; unknown responses refused; expiry keeps the rest findable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/relay/txn.h"
#include "tests/unit/check.h"

static void test_retransmission(void)
{
	struct sc_txn_table t;
	const char *resp = "x";
	size_t len = 9;
	uint64_t inv = sc_txn_key(42, SC_STR_LIT("INVITE"));
	uint64_t can = sc_txn_key(42, SC_STR_LIT("CANCEL"));

	CHECK(inv != can);
	CHECK_EQ_INT(sc_txn_init(&t), 0);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 1000, &resp, &len), SC_TXN_NEW);
	CHECK(resp == NULL && len == 0);
	/* Retransmitted before any response: absorbed, nothing to resend. */
	CHECK_EQ_INT(sc_txn_request(&t, inv, 1500, &resp, &len), SC_TXN_RETRANS);
	CHECK(resp == NULL);
	/* After a 180 the device gets the 180 again. */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 1600), 0);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 2000, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 19 && resp && memcmp(resp, "SIP/2.0 180 Ringing", 19) == 0);
	/* A CANCEL of it is a transaction of its own. */
	CHECK_EQ_INT(sc_txn_request(&t, can, 2100, &resp, &len), SC_TXN_NEW);
	/* A response for a transaction we never saw is refused. */
	CHECK_EQ_INT(sc_txn_response(&t, sc_txn_key(43, SC_STR_LIT("INVITE")), 200, "y", 1, 2200),
		     -ENOENT);
	/* 32 s after the last activity it is gone. */
	CHECK_EQ_INT(sc_txn_expire(&t, 2000 + SC_TXN_LIFETIME_MS - 1), 0);
	CHECK_EQ_INT(sc_txn_expire(&t, 2100 + SC_TXN_LIFETIME_MS), 2);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "z", 1, 40000), -ENOENT);
	CHECK_EQ_INT(t.n, 0);
	sc_txn_free(&t);
}

/* Once a final response is relayed, an entry waits 5 s for a lost answer's
 * retransmission, not 32 s; a provisional one keeps the full lifetime. */
static void test_wait_after_final(void)
{
	struct sc_txn_table t;
	const char *resp;
	size_t len;
	uint64_t reg = sc_txn_key(1, SC_STR_LIT("REGISTER"));
	uint64_t inv = sc_txn_key(2, SC_STR_LIT("INVITE"));

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	CHECK_EQ_INT(sc_txn_request(&t, reg, 0, &resp, &len), SC_TXN_NEW);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 0, &resp, &len), SC_TXN_NEW);
	CHECK_EQ_INT(sc_txn_response(&t, reg, 200, "SIP/2.0 200 OK", 14, 100), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 100), 0);
	/* A retransmission within the wait still gets the 200 ... */
	CHECK_EQ_INT(sc_txn_request(&t, reg, 3000, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 14 && resp && memcmp(resp, "SIP/2.0 200 OK", 14) == 0);
	/* ... and restarts the wait, not the 32 s. */
	CHECK_EQ_INT(sc_txn_expire(&t, 3000 + SC_TXN_WAIT_MS - 1), 0);
	CHECK_EQ_INT(sc_txn_expire(&t, 3000 + SC_TXN_WAIT_MS), 1);
	CHECK_EQ_INT(sc_txn_response(&t, reg, 200, "x", 1, 9000), -ENOENT);
	/* The ringing INVITE is still there until 32 s after its 180. */
	CHECK_EQ_INT(sc_txn_expire(&t, 100 + SC_TXN_LIFETIME_MS - 1), 0);
	CHECK_EQ_INT(sc_txn_expire(&t, 100 + SC_TXN_LIFETIME_MS), 1);
	sc_txn_free(&t);
}

/* Which connection a request went out on, so a retransmission can go out
 * again when that connection is gone. */
static void test_link(void)
{
	struct sc_txn_table t;
	const char *resp;
	size_t len;
	uint64_t k = sc_txn_key(7, SC_STR_LIT("INVITE"));

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	CHECK(sc_txn_link(&t, k) == 0);
	CHECK_EQ_INT(sc_txn_sent(&t, k, 5), -ENOENT);
	CHECK_EQ_INT(sc_txn_request(&t, k, 0, &resp, &len), SC_TXN_NEW);
	CHECK(sc_txn_link(&t, k) == 0);
	CHECK_EQ_INT(sc_txn_sent(&t, k, 5), 0);
	CHECK(sc_txn_link(&t, k) == 5);
	/* Sent again on a new connection. */
	CHECK_EQ_INT(sc_txn_sent(&t, k, 9), 0);
	CHECK(sc_txn_link(&t, k) == 9);
	CHECK(sc_txn_link(&t, sc_txn_key(7, SC_STR_LIT("CANCEL"))) == 0);
	sc_txn_free(&t);
}

/* Many entries with clustered homes, expired in a scattered order: every
 * remaining one must still be found (catches a wrong backward shift). */
static void test_many(void)
{
	enum { N = 5000 };
	static uint64_t keys[N];
	static uint64_t when[N];
	struct sc_txn_table t;
	const char *resp;
	size_t len, i, alive = 0;
	uint64_t seed = 12345;

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	for (i = 0; i < N; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Few distinct low bits: long probe chains. */
		keys[i] = (seed & ~(uint64_t)0xffff) | (i % 7) | 1;
		when[i] = (seed >> 40) % 1000;
		CHECK_EQ_INT(sc_txn_request(&t, keys[i], when[i], &resp, &len), SC_TXN_NEW);
	}
	CHECK_EQ_INT(t.n, N);
	CHECK(t.cap >= 2 * N);
	sc_txn_expire(&t, 500 + SC_TXN_LIFETIME_MS);
	for (i = 0; i < N; i++) {
		int rc = sc_txn_response(&t, keys[i], 200, "ok", 2, 600);

		if (when[i] <= 500)
			CHECK_EQ_INT(rc, -ENOENT);
		else {
			CHECK_EQ_INT(rc, 0);
			alive++;
		}
	}
	CHECK_EQ_INT(t.n, alive);
	sc_txn_free(&t);
}

int main(void)
{
	RUN(test_retransmission);
	RUN(test_link);
	RUN(test_wait_after_final);
	RUN(test_many);
	return check_done("relay_txn");
}
