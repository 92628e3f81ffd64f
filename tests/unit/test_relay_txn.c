/* Transaction table (SPEC B9, B13): retransmissions absorbed and answered
 * with the last response; unknown responses refused; timers as long as the
 * call needs (Timer B/F, Timer C, RFC 6026's Accepted state); expiry keeps
 * the rest findable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/relay/txn.h"
#include "tests/unit/check.h"

/* What the relay's tick does at now: entries past their time are
 * forgotten, and every one whose request timed out is ended (as the core
 * does once it has answered it).  Returns how many timed out. */
static size_t sweep(struct sc_txn_table *t, uint64_t now)
{
	struct sc_txn *x;
	size_t pos = 0, n = 0;

	while ((x = sc_txn_timeout(t, now, &pos)) != NULL) {
		CHECK(x->req != NULL);
		CHECK(x->state == SC_TXN_CALLING || x->state == SC_TXN_PROCEEDING);
		sc_txn_end(t, x, now);
		n++;
	}
	return n;
}

/* A request from the device, sent on link 5 as req. */
static void sent(struct sc_txn_table *t, uint64_t key, bool invite, const char *req,
		 uint64_t now)
{
	const char *resp;
	size_t len;

	CHECK_EQ_INT(sc_txn_request(t, key, now, &resp, &len), SC_TXN_NEW);
	CHECK_EQ_INT(sc_txn_sent(t, key, 5, invite, false, req, strlen(req), now), 0);
}

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
	CHECK_EQ_INT(sc_txn_sent(&t, inv, 3, true, false, "INVITE", 6, 1500), 0);
	/* After a 180 the device gets the 180 again. */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 1600), 0);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 2000, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 19 && resp && memcmp(resp, "SIP/2.0 180 Ringing", 19) == 0);
	/* A CANCEL of it is a transaction of its own. */
	CHECK_EQ_INT(sc_txn_request(&t, can, 2100, &resp, &len), SC_TXN_NEW);
	/* A response for a transaction we never saw is refused. */
	CHECK_EQ_INT(sc_txn_response(&t, sc_txn_key(43, SC_STR_LIT("INVITE")), 200, "y", 1, 2200),
		     -ENOENT);
	/* The CANCEL, never sent (no copy of what the provider got): 32 s
	 * after it came it is forgotten, with nothing to answer. */
	CHECK_EQ_INT(sweep(&t, 2100 + SC_TXN_TIMER_B_MS - 1), 0);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(sweep(&t, 2100 + SC_TXN_TIMER_B_MS), 0);
	CHECK_EQ_INT(t.n, 1); /* the INVITE: its 180 started Timer C */
	CHECK_EQ_INT(sc_txn_response(&t, can, 200, "z", 1, 40000), -ENOENT);
	sc_txn_free(&t);
}

/* Once a final response is relayed, an entry waits 5 s for a lost answer's
 * retransmission, not 32 s; a provisional one to an INVITE keeps it for
 * Timer C. */
static void test_wait_after_final(void)
{
	struct sc_txn_table t;
	const char *resp;
	size_t len;
	uint64_t reg = sc_txn_key(1, SC_STR_LIT("REGISTER"));
	uint64_t inv = sc_txn_key(2, SC_STR_LIT("INVITE"));

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	sent(&t, reg, false, "REGISTER", 0);
	sent(&t, inv, true, "INVITE", 0);
	CHECK_EQ_INT(sc_txn_response(&t, reg, 200, "SIP/2.0 200 OK", 14, 100), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 100), 0);
	/* A retransmission within the wait still gets the 200 ... */
	CHECK_EQ_INT(sc_txn_request(&t, reg, 3000, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 14 && resp && memcmp(resp, "SIP/2.0 200 OK", 14) == 0);
	/* ... and restarts the wait, not the 32 s. */
	CHECK_EQ_INT(sweep(&t, 3000 + SC_TXN_WAIT_MS - 1), 0);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(sweep(&t, 3000 + SC_TXN_WAIT_MS), 0);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(sc_txn_response(&t, reg, 200, "x", 1, 9000), -ENOENT);
	/* The ringing INVITE is there until Timer C after its 180. */
	CHECK_EQ_INT(sweep(&t, 100 + SC_TXN_TIMER_C_MS - 1), 0);
	CHECK_EQ_INT(sweep(&t, 100 + SC_TXN_TIMER_C_MS), 1);
	sc_txn_free(&t);
}

/* B13: a phone that rings for minutes.  Each provisional restarts Timer C;
 * a final response long after 32 s still finds its transaction. */
static void test_long_ring(void)
{
	struct sc_txn_table t;
	const char *resp;
	size_t len;
	uint64_t inv = sc_txn_key(3, SC_STR_LIT("INVITE"));
	struct sc_txn *x;
	size_t pos = 0;

	CHECK(SC_TXN_TIMER_C_MS >= 180000);
	CHECK_EQ_INT(sc_txn_init(&t), 0);
	sent(&t, inv, true, "INVITE sip:callee", 0);
	/* The provider's 100: proceeding (no copy: the device had ours). */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 100, NULL, 0, 50), 0);
	CHECK_EQ_INT(sweep(&t, 50 + SC_TXN_TIMER_B_MS), 0);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 60, &resp, &len), SC_TXN_RETRANS);
	CHECK(resp == NULL);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 1000), 0);
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_TIMER_C_MS - 1), 0);
	/* A 183 two minutes in restarts it. */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 183, "SIP/2.0 183 Session Progress", 28, 120000), 0);
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_TIMER_C_MS), 0);
	CHECK_EQ_INT(sweep(&t, 120000 + SC_TXN_TIMER_C_MS - 1), 0);
	/* Answered after four minutes: relayed, Accepted. */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "SIP/2.0 200 OK", 14, 240000), 0);
	x = sc_txn_timeout(&t, 240000, &pos);
	CHECK(x == NULL);
	CHECK_EQ_INT(t.n, 1);
	/* Unanswered instead: Timer C fires, the copy of the INVITE there
	 * for the CANCEL and the 408. */
	sent(&t, sc_txn_key(4, SC_STR_LIT("INVITE")), true, "INVITE sip:nobody", 300000);
	CHECK_EQ_INT(sc_txn_response(&t, sc_txn_key(4, SC_STR_LIT("INVITE")), 180,
				     "SIP/2.0 180 Ringing", 19, 301000),
		     0);
	pos = 0;
	x = sc_txn_timeout(&t, 301000 + SC_TXN_TIMER_C_MS, &pos);
	CHECK(x && x->invite && x->state == SC_TXN_PROCEEDING && x->link == 5);
	CHECK(x && x->req_len == 17 && memcmp(x->req, "INVITE sip:nobody", 17) == 0);
	/* Returned until it is ended. */
	CHECK(sc_txn_timeout(&t, 301000 + SC_TXN_TIMER_C_MS, &pos) == x);
	CHECK_EQ_INT(sc_txn_answer(&t, sc_txn_key(4, SC_STR_LIT("INVITE")), 408, "SIP/2.0 408", 11,
				   301000 + SC_TXN_TIMER_C_MS),
		     0);
	CHECK(sc_txn_timeout(&t, 301000 + SC_TXN_TIMER_C_MS, &pos) == NULL);
	/* The callee's 487 to our CANCEL comes late: not relayed. */
	CHECK_EQ_INT(sc_txn_response(&t, sc_txn_key(4, SC_STR_LIT("INVITE")), 487, "SIP/2.0 487", 11,
				     301500 + SC_TXN_TIMER_C_MS),
		     SC_TXN_LATE);
	sc_txn_free(&t);
}

/* B13: Timer B and F.  A request with no response at all times out 32 s
 * after it went out; a non-INVITE's provisional does not extend Timer F. */
static void test_timer_b_f(void)
{
	struct sc_txn_table t;
	uint64_t inv = sc_txn_key(5, SC_STR_LIT("INVITE"));
	uint64_t msg = sc_txn_key(6, SC_STR_LIT("MESSAGE"));
	uint64_t opt = sc_txn_key(7, SC_STR_LIT("OPTIONS"));
	const char *resp;
	size_t len;

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	/* Queued at 0, sent at 2000 when its flow opened: from the send. */
	CHECK_EQ_INT(sc_txn_request(&t, inv, 0, &resp, &len), SC_TXN_NEW);
	CHECK_EQ_INT(sc_txn_sent(&t, inv, 5, true, false, "INVITE", 6, 2000), 0);
	sent(&t, msg, false, "MESSAGE", 1000);
	sent(&t, opt, false, "OPTIONS", 1000);
	CHECK_EQ_INT(sc_txn_response(&t, msg, 182, "SIP/2.0 182 Queued", 18, 1500), 0);
	/* The device's retransmissions do not extend anything. */
	CHECK_EQ_INT(sc_txn_request(&t, opt, 30000, &resp, &len), SC_TXN_RETRANS);
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_TIMER_B_MS - 1), 0);
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_TIMER_B_MS), 2);
	CHECK_EQ_INT(sweep(&t, 2000 + SC_TXN_TIMER_B_MS - 1), 0);
	CHECK_EQ_INT(sweep(&t, 2000 + SC_TXN_TIMER_B_MS), 1);
	/* Ended: kept 5 s for the device's retransmissions, then gone. */
	CHECK_EQ_INT(t.n, 3);
	CHECK_EQ_INT(sweep(&t, 2000 + SC_TXN_TIMER_B_MS + SC_TXN_WAIT_MS), 0);
	CHECK_EQ_INT(t.n, 0);
	sc_txn_free(&t);
}

/* RFC 6026: after an INVITE's 2xx, further 2xx (the callee repeating its
 * 200, or a second phone of a fork answering) are relayed for 32 s;
 * anything else is late.  The device's INVITE retransmissions are
 * absorbed. */
static void test_accepted(void)
{
	struct sc_txn_table t;
	uint64_t inv = sc_txn_key(8, SC_STR_LIT("INVITE"));
	uint64_t bye = sc_txn_key(9, SC_STR_LIT("BYE"));
	const char *resp;
	size_t len;

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	sent(&t, inv, true, "INVITE", 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 100), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "SIP/2.0 200 OK (a)", 18, 1000), 0);
	CHECK(t.slots != NULL);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 1100, &resp, &len), SC_TXN_RETRANS);
	CHECK(resp == NULL && len == 0);
	CHECK(sc_txn_link(&t, inv) == 0); /* never sent again */
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "SIP/2.0 200 OK (b)", 18, 9000), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180 Ringing", 19, 9100), SC_TXN_LATE);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 486, "SIP/2.0 486 Busy", 16, 9200), SC_TXN_LATE);
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_ACCEPTED_MS - 1), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "SIP/2.0 200 OK (a)", 18,
				     1000 + SC_TXN_ACCEPTED_MS - 1),
		     0);
	/* 32 s after the first 2xx, not extended by the later ones. */
	CHECK_EQ_INT(sweep(&t, 1000 + SC_TXN_ACCEPTED_MS), 0);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 200, "x", 1, 1000 + SC_TXN_ACCEPTED_MS), -ENOENT);
	/* A 2xx to anything else is a plain final response. */
	sent(&t, bye, false, "BYE", 50000);
	CHECK_EQ_INT(sc_txn_response(&t, bye, 200, "SIP/2.0 200 OK", 14, 50100), 0);
	CHECK_EQ_INT(sc_txn_response(&t, bye, 200, "SIP/2.0 200 OK", 14, 50200), SC_TXN_LATE);
	CHECK_EQ_INT(sc_txn_request(&t, bye, 50300, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 14 && resp && memcmp(resp, "SIP/2.0 200 OK", 14) == 0);
	sc_txn_free(&t);
}

/* Our own answers: a 100 is kept for retransmissions and changes nothing
 * else; a final one ends the transaction, and what the provider sends
 * after it is late. */
static void test_answer(void)
{
	struct sc_txn_table t;
	uint64_t inv = sc_txn_key(10, SC_STR_LIT("INVITE"));
	const char *resp;
	size_t len;

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	CHECK_EQ_INT(sc_txn_answer(&t, inv, 100, "100", 3, 0), -ENOENT);
	sent(&t, inv, true, "INVITE", 0);
	CHECK_EQ_INT(sc_txn_answer(&t, inv, 100, "SIP/2.0 100 Trying", 18, 10), 0);
	CHECK_EQ_INT(sc_txn_request(&t, inv, 20, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 18 && resp && memcmp(resp, "SIP/2.0 100 Trying", 18) == 0);
	/* Still Timer B: our 100 is not the provider's. */
	CHECK_EQ_INT(sweep(&t, SC_TXN_TIMER_B_MS), 1);
	CHECK_EQ_INT(sc_txn_response(&t, inv, 180, "SIP/2.0 180", 11, SC_TXN_TIMER_B_MS + 1),
		     SC_TXN_LATE);
	sc_txn_free(&t);
}

/* B14: the connection a request went out on is lost.  What still waits
 * for a final response on it is due at once, marked lost (a 503 for the
 * device), but for a non-INVITE that a UDP device repeats before it has
 * heard anything: its repetition goes out again on the next connection. */
static void test_link_lost(void)
{
	struct sc_txn_table t;
	uint64_t inv = sc_txn_key(20, SC_STR_LIT("INVITE"));
	uint64_t ring = sc_txn_key(21, SC_STR_LIT("INVITE"));
	uint64_t msg_udp = sc_txn_key(22, SC_STR_LIT("MESSAGE"));
	uint64_t msg_tcp = sc_txn_key(23, SC_STR_LIT("MESSAGE"));
	uint64_t msg_1xx = sc_txn_key(24, SC_STR_LIT("MESSAGE"));
	uint64_t other = sc_txn_key(25, SC_STR_LIT("INVITE"));
	uint64_t done = sc_txn_key(26, SC_STR_LIT("BYE"));
	const char *resp;
	size_t len, pos = 0, n = 0;
	struct sc_txn *x;

	CHECK_EQ_INT(sc_txn_init(&t), 0);
	CHECK_EQ_INT(sc_txn_link_lost(&t, 7, 0), 0);
	uint64_t keys[] = { inv, ring, msg_udp, msg_tcp, msg_1xx, other, done };
	bool invites[] = { true, true, false, false, false, true, false };
	bool repeats[] = { false, false, true, false, true, false, true };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		CHECK_EQ_INT(sc_txn_request(&t, keys[i], 100, &resp, &len), SC_TXN_NEW);
		CHECK_EQ_INT(sc_txn_sent(&t, keys[i], keys[i] == other ? 8 : 7, invites[i], repeats[i],
					 "REQ", 3, 100),
			     0);
	}
	CHECK_EQ_INT(sc_txn_response(&t, ring, 180, "SIP/2.0 180", 11, 200), 0);
	CHECK_EQ_INT(sc_txn_response(&t, msg_1xx, 182, "SIP/2.0 182", 11, 200), 0);
	CHECK_EQ_INT(sc_txn_response(&t, done, 200, "SIP/2.0 200", 11, 200), 0);
	CHECK_EQ_INT(sc_txn_link_lost(&t, 7, 1000), 4);
	while ((x = sc_txn_timeout(&t, 1000, &pos)) != NULL) {
		CHECK(x->lost);
		CHECK(x->key == inv || x->key == ring || x->key == msg_tcp || x->key == msg_1xx);
		CHECK_EQ_INT(sc_txn_answer(&t, x->key, 503, "SIP/2.0 503", 11, 1000), 0);
		n++;
	}
	CHECK_EQ_INT(n, 4);
	/* The UDP device's MESSAGE: its repetition goes out again. */
	CHECK_EQ_INT(sc_txn_request(&t, msg_udp, 1100, &resp, &len), SC_TXN_RETRANS);
	CHECK(resp == NULL);
	CHECK(sc_txn_link(&t, msg_udp) == 7);
	/* The lost ones answer their retransmissions with the 503. */
	CHECK_EQ_INT(sc_txn_request(&t, inv, 1100, &resp, &len), SC_TXN_RETRANS);
	CHECK(len == 11 && resp && memcmp(resp, "SIP/2.0 503", 11) == 0);
	/* Sent again on a new connection: no longer lost. */
	CHECK_EQ_INT(sc_txn_sent(&t, msg_udp, 9, false, true, NULL, 0, 1200), 0);
	CHECK_EQ_INT(sc_txn_link_lost(&t, 7, 1300), 0);
	pos = 0;
	CHECK(sc_txn_timeout(&t, 1300, &pos) == NULL);
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
	CHECK_EQ_INT(sc_txn_sent(&t, k, 5, true, false, NULL, 0, 0), -ENOENT);
	CHECK_EQ_INT(sc_txn_request(&t, k, 0, &resp, &len), SC_TXN_NEW);
	CHECK(sc_txn_link(&t, k) == 0);
	CHECK_EQ_INT(sc_txn_sent(&t, k, 5, true, false, "INVITE", 6, 0), 0);
	CHECK(sc_txn_link(&t, k) == 5);
	/* Its connection went: not out any more, the copy kept. */
	CHECK_EQ_INT(sc_txn_sent(&t, k, 0, true, false, NULL, 0, 10), 0);
	CHECK(sc_txn_link(&t, k) == 0);
	/* Sent again on a new connection. */
	CHECK_EQ_INT(sc_txn_sent(&t, k, 9, true, false, NULL, 0, 20), 0);
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
	CHECK(t.cap * 3 >= 4 * N); /* at most three quarters full */
	CHECK_EQ_INT(sweep(&t, 500 + SC_TXN_TIMER_B_MS), 0);
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
	RUN(test_long_ring);
	RUN(test_timer_b_f);
	RUN(test_accepted);
	RUN(test_answer);
	RUN(test_link_lost);
	RUN(test_many);
	return check_done("relay_txn");
}
