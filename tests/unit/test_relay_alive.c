/* Flow liveness (sidecar/relay/alive.c, SPEC B14): a flow that sent
 * something and hears nothing back is probed with a ping, and declared dead
 * when the ping gets no answer in 10 s (RFC 5626 §4.4.1); any bytes from
 * the peer are an answer. */
#include "sidecar/relay/alive.h"
#include "tests/unit/check.h"

#define T0 5000000u

static void test_idle_is_alive(void)
{
	struct sc_alive a;
	uint64_t next = 99;

	sc_alive_init(&a);
	CHECK_EQ_INT(sc_alive_due(&a, T0, &next), SC_ALIVE_WAIT);
	CHECK(next == 0);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 3600000, &next), SC_ALIVE_WAIT);
}

/* The keep-alive ping: a pong within 10 s keeps it alive; none, dead. */
static void test_ping_pong(void)
{
	struct sc_alive a;
	uint64_t next;

	sc_alive_init(&a);
	CHECK(sc_alive_sent(&a, true, T0) == T0 + SC_ALIVE_PONG_MS);
	CHECK_EQ_INT(SC_ALIVE_PONG_MS, 10000);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PONG_MS - 1, &next), SC_ALIVE_WAIT);
	CHECK(next == T0 + SC_ALIVE_PONG_MS);
	sc_alive_rx(&a);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PONG_MS, &next), SC_ALIVE_WAIT);
	CHECK(next == 0);
	/* The next ping, unanswered. */
	CHECK(sc_alive_sent(&a, true, T0 + 30000) == T0 + 30000 + SC_ALIVE_PONG_MS);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 30000 + SC_ALIVE_PONG_MS - 1, &next), SC_ALIVE_WAIT);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 30000 + SC_ALIVE_PONG_MS, &next), SC_ALIVE_DEAD);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 90000, &next), SC_ALIVE_DEAD);
	/* A second ping while one waits does not move the pong timeout. */
	sc_alive_init(&a);
	sc_alive_sent(&a, true, T0);
	CHECK(sc_alive_sent(&a, true, T0 + 9000) == T0 + SC_ALIVE_PONG_MS);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PONG_MS, &next), SC_ALIVE_DEAD);
}

/* A request with nothing heard back for 2 s: ping at once; the pong
 * timeout runs from that ping.  A dead flow under a call is found in 12 s,
 * not at the next keep-alive. */
static void test_request_probe(void)
{
	struct sc_alive a;
	uint64_t next;

	sc_alive_init(&a);
	CHECK(sc_alive_sent(&a, false, T0) == T0 + SC_ALIVE_PROBE_MS);
	/* More requests do not push the probe back. */
	CHECK(sc_alive_sent(&a, false, T0 + 1500) == T0 + SC_ALIVE_PROBE_MS);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PROBE_MS - 1, &next), SC_ALIVE_WAIT);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PROBE_MS, &next), SC_ALIVE_PING);
	CHECK(next == 0);
	CHECK(sc_alive_sent(&a, true, T0 + 2000) == T0 + 2000 + SC_ALIVE_PONG_MS);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 2000 + SC_ALIVE_PONG_MS - 1, &next), SC_ALIVE_WAIT);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 2000 + SC_ALIVE_PONG_MS, &next), SC_ALIVE_DEAD);

	/* Answered in time: nothing more. */
	sc_alive_init(&a);
	sc_alive_sent(&a, false, T0);
	sc_alive_rx(&a);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 60000, &next), SC_ALIVE_WAIT);
	/* Answered after the probe ping: alive again. */
	sc_alive_sent(&a, false, T0);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + SC_ALIVE_PROBE_MS, &next), SC_ALIVE_PING);
	sc_alive_sent(&a, true, T0 + SC_ALIVE_PROBE_MS);
	sc_alive_rx(&a);
	CHECK_EQ_INT(sc_alive_due(&a, T0 + 60000, &next), SC_ALIVE_WAIT);
	/* A ping at time 0 still waits (0 is not "nothing sent"). */
	sc_alive_init(&a);
	sc_alive_sent(&a, true, 0);
	CHECK_EQ_INT(sc_alive_due(&a, SC_ALIVE_PONG_MS, &next), SC_ALIVE_DEAD);
}

int main(void)
{
	RUN(test_idle_is_alive);
	RUN(test_ping_pong);
	RUN(test_request_probe);
	return check_done("relay_alive");
}
