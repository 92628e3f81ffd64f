/* Timer A/E repetition towards UDP devices (sidecar/relay/retx.c): the
 * pure table, without a core and without sockets.
 *
 * RFC 3261 §17.1.1.2 (INVITE, Timer A) and §17.1.2.2 (non-INVITE, Timer E):
 * the first repetition T1 (500 ms) after the request, each gap twice the
 * previous one, capped at T2 (4 s) for a non-INVITE only; an entry is
 * given up 64*T1 (32 s) after it was added, and handed out as such until
 * it is stopped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sidecar/base/str.h"
#include "sidecar/net/addr.h"
#include "sidecar/relay/retx.h"
#include "tests/unit/check.h"

#define T0 1000000u

static struct sc_net_addr dst(const char *s)
{
	struct sc_net_addr a;

	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(sc_net_addr_parse(s, 5060, &a), 0);
	return a;
}

/* How many entries are due at now (each gets its next send scheduled). */
static size_t due_count(struct sc_retx_table *t, uint64_t now)
{
	const struct sc_retx *x = NULL;
	size_t n = 0;

	while ((x = sc_retx_due(t, x, now)) != NULL)
		n++;
	return n;
}

/* The times (ms after T0) at which the only entry of t is due, probing
 * every ms up to T0 + limit; when it is given up (which must be at 64*T1
 * exactly), it is stopped. */
static size_t schedule(struct sc_retx_table *t, uint64_t limit, uint64_t *at, size_t cap)
{
	const struct sc_retx *x;
	uint64_t now;
	size_t n = 0;

	for (now = T0; now <= T0 + limit; now++) {
		x = sc_retx_due(t, NULL, now);
		if (!x)
			continue;
		CHECK(sc_retx_due(t, x, now) == NULL);
		if (x->gave_up) {
			CHECK_EQ_INT(now - T0, SC_RETX_GIVE_UP_MS);
			CHECK_EQ_INT(sc_retx_stop(t, x->key), 0);
			continue;
		}
		if (n < cap)
			at[n] = now - T0;
		n++;
	}
	return n;
}

static void test_invite_schedule(void)
{
	static const uint64_t want[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	const struct sc_retx *x;
	char msg[] = "INVITE sip:ata SIP/2.0\r\n\r\n";
	char text[64];
	uint64_t at[16];
	size_t n, i;

	CHECK_EQ_INT(sc_retx_add(&t, 0x1111, true, &a, msg, strlen(msg), T0), 0);
	CHECK_EQ_INT(t.n, 1);
	/* The bytes are copied: the caller's buffer may change. */
	memset(msg, 'X', strlen(msg));
	CHECK(sc_retx_due(&t, NULL, T0) == NULL);
	CHECK(sc_retx_due(&t, NULL, T0 + 499) == NULL);
	x = sc_retx_due(&t, NULL, T0 + 500);
	CHECK(x != NULL);
	if (x) {
		CHECK(x->key == 0x1111);
		CHECK(x->invite);
		CHECK(x->len == strlen("INVITE sip:ata SIP/2.0\r\n\r\n"));
		CHECK(memcmp(x->buf, "INVITE sip:ata SIP/2.0\r\n\r\n", x->len) == 0);
		CHECK(sc_net_addr_text((const struct sockaddr *)&x->dst.ss, text, sizeof(text)) > 0);
		CHECK_STR(sc_str_cstr(text), "192.168.1.20:5060");
		/* Due once: not again at the same time. */
		CHECK(sc_retx_due(&t, x, T0 + 500) == NULL);
	}
	CHECK(sc_retx_due(&t, NULL, T0 + 500) == NULL);
	sc_retx_free(&t);

	/* The whole schedule: doubling past T2, given up at 32 s. */
	CHECK_EQ_INT(sc_retx_add(&t, 0x1111, true, &a, "I", 1, T0), 0);
	n = schedule(&t, 40000, at, 16);
	CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_INT(at[i], want[i]);
	CHECK_EQ_INT(t.n, 0);
	CHECK(t.head == NULL);
	sc_retx_free(&t);
}

static void test_non_invite_capped_at_t2(void)
{
	static const uint64_t want[] = { 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 };
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	const struct sc_retx *x;
	uint64_t at[16];
	size_t n, i;

	CHECK_EQ_INT(sc_retx_add(&t, 0x2222, false, &a, "M", 1, T0), 0);
	n = schedule(&t, 40000, at, 16);
	CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_INT(at[i], want[i]);
	CHECK_EQ_INT(t.n, 0);
	sc_retx_free(&t);

	/* The interval itself: never above T2 for a non-INVITE, above it
	 * for an INVITE. */
	CHECK_EQ_INT(sc_retx_add(&t, 0x2222, false, &a, "M", 1, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x3333, true, &a, "I", 1, T0), 0);
	for (i = 0; i < 4; i++)
		CHECK_EQ_INT(due_count(&t, T0 + 500 + i * 8000), 2);
	for (x = t.head; x; x = x->next) {
		if (x->invite)
			CHECK(x->interval > SC_RETX_T2_MS);
		else
			CHECK_EQ_INT(x->interval, SC_RETX_T2_MS);
	}
	sc_retx_free(&t);
}

static void test_stop(void)
{
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	const struct sc_retx *x;

	CHECK_EQ_INT(sc_retx_stop(&t, 0x1), -ENOENT);
	CHECK_EQ_INT(sc_retx_add(&t, 0x1, true, &a, "a", 1, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x2, false, &a, "b", 1, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x3, false, &a, "c", 1, T0), 0);
	CHECK_EQ_INT(t.n, 3);
	/* An unknown key stops nothing. */
	CHECK_EQ_INT(sc_retx_stop(&t, 0x4), -ENOENT);
	CHECK_EQ_INT(t.n, 3);
	/* The one in the middle of the list. */
	CHECK_EQ_INT(sc_retx_stop(&t, 0x2), 0);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(sc_retx_stop(&t, 0x2), -ENOENT);
	/* The others are still due, the stopped one never again. */
	x = sc_retx_due(&t, NULL, T0 + 500);
	CHECK(x && x->key != 0x2);
	x = sc_retx_due(&t, x, T0 + 500);
	CHECK(x && x->key != 0x2);
	CHECK(sc_retx_due(&t, x, T0 + 500) == NULL);
	/* Stopped after it was due. */
	CHECK_EQ_INT(sc_retx_stop(&t, 0x1), 0);
	CHECK_EQ_INT(sc_retx_stop(&t, 0x3), 0);
	CHECK_EQ_INT(t.n, 0);
	CHECK(t.head == NULL);
	CHECK(sc_retx_due(&t, NULL, T0 + 10000) == NULL);
	sc_retx_free(&t);
}

static void test_due_walks_every_entry(void)
{
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	const struct sc_retx *x = NULL;
	bool seen[4] = { false, false, false, false };
	size_t n = 0;

	CHECK_EQ_INT(sc_retx_add(&t, 0, true, &a, "0", 1, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 1, false, &a, "1", 1, T0 + 100), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 2, true, &a, "2", 1, T0 + 300), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 3, false, &a, "3", 1, T0 + 200), 0);
	/* At T0 + 650: those added at T0, +100 are due, +200 and +300 not. */
	while ((x = sc_retx_due(&t, x, T0 + 650)) != NULL) {
		CHECK(x->key < 4);
		if (x->key < 4)
			seen[x->key] = true;
		n++;
	}
	CHECK_EQ_INT(n, 2);
	CHECK(seen[0] && seen[1] && !seen[2] && !seen[3]);
	/* At T0 + 800 the two others, once each. */
	CHECK_EQ_INT(due_count(&t, T0 + 800), 2);
	CHECK_EQ_INT(due_count(&t, T0 + 800), 0);
	CHECK_EQ_INT(t.n, 4);
	sc_retx_free(&t);
}

/* Past 64*T1 an entry is handed out as given up (the core answers the
 * provider 408 for it) until it is stopped. */
static void test_give_up_reported(void)
{
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	const struct sc_retx *x;

	CHECK_EQ_INT(sc_retx_add(&t, 0xa, true, &a, "old", 3, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0xb, true, &a, "new", 3, T0 + 20000), 0);
	/* Just before 32 s the old one is still there, due, not given up. */
	x = sc_retx_due(&t, NULL, T0 + SC_RETX_GIVE_UP_MS - 1); /* the new one, +500 long past */
	CHECK(x && x->key == 0xb && !x->gave_up);
	x = sc_retx_due(&t, x, T0 + SC_RETX_GIVE_UP_MS - 1);
	CHECK(x && x->key == 0xa && !x->gave_up);
	CHECK(sc_retx_due(&t, x, T0 + SC_RETX_GIVE_UP_MS - 1) == NULL);
	CHECK_EQ_INT(t.n, 2);
	/* At 32 s it is handed out as given up, though no repetition is due,
	 * and again until it is stopped. */
	x = sc_retx_due(&t, NULL, T0 + SC_RETX_GIVE_UP_MS);
	CHECK(x && x->key == 0xa && x->gave_up && x->len == 3 && memcmp(x->buf, "old", 3) == 0);
	CHECK(sc_retx_due(&t, x, T0 + SC_RETX_GIVE_UP_MS) == NULL);
	x = sc_retx_due(&t, NULL, T0 + SC_RETX_GIVE_UP_MS + 1);
	CHECK(x && x->key == 0xa && x->gave_up);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(sc_retx_stop(&t, 0xa), 0);
	CHECK_EQ_INT(t.n, 1);
	CHECK(t.head && t.head->key == 0xb);
	/* Found after another entry (prev) too. */
	CHECK_EQ_INT(sc_retx_add(&t, 0xc, false, &a, "newest", 6, T0 + 51000), 0);
	x = sc_retx_due(&t, NULL, T0 + 52000); /* 0xc due (+1000 > 500) */
	CHECK(x && x->key == 0xc && !x->gave_up);
	x = sc_retx_due(&t, x, T0 + 52000); /* 0xb: 32 s after +20000 */
	CHECK(x && x->key == 0xb && x->gave_up);
	CHECK_EQ_INT(sc_retx_stop(&t, 0xb), 0);
	CHECK_EQ_INT(t.n, 1);
	CHECK(t.head && t.head->key == 0xc && t.head->next == NULL);
	sc_retx_free(&t);
}

static void test_capacity(void)
{
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("192.168.1.20:5060");
	size_t i;
	int rc = 0;

	for (i = 0; i < SC_RETX_MAX && rc == 0; i++)
		rc = sc_retx_add(&t, 0x1000 + i, i % 2 == 0, &a, "x", 1, T0);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(t.n, SC_RETX_MAX);
	/* Full: refused, nothing added. */
	CHECK_EQ_INT(sc_retx_add(&t, 0x9999, true, &a, "y", 1, T0), -ENOSPC);
	CHECK_EQ_INT(t.n, SC_RETX_MAX);
	CHECK_EQ_INT(sc_retx_stop(&t, 0x9999), -ENOENT);
	CHECK_EQ_INT(due_count(&t, T0 + 500), SC_RETX_MAX);
	/* Room again once one stops. */
	CHECK_EQ_INT(sc_retx_stop(&t, 0x1000), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x9999, true, &a, "y", 1, T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x999a, true, &a, "z", 1, T0), -ENOSPC);
	CHECK_EQ_INT(t.n, SC_RETX_MAX);
	/* And once the given-up entries are stopped. */
	for (i = 0; i <= SC_RETX_MAX; i++) {
		const struct sc_retx *x = sc_retx_due(&t, NULL, T0 + SC_RETX_GIVE_UP_MS);

		if (!x)
			break;
		CHECK(x->gave_up);
		CHECK_EQ_INT(sc_retx_stop(&t, x->key), 0);
	}
	CHECK_EQ_INT(i, SC_RETX_MAX);
	CHECK_EQ_INT(t.n, 0);
	CHECK_EQ_INT(sc_retx_add(&t, 0x999a, true, &a, "z", 1, T0 + SC_RETX_GIVE_UP_MS), 0);
	sc_retx_free(&t);
}

static void test_free(void)
{
	struct sc_retx_table t = { NULL, 0 };
	struct sc_net_addr a = dst("[2001:db8::20]:5062");
	static char big[SC_RETX_MAX * 4];

	memset(big, 'b', sizeof(big));
	CHECK_EQ_INT(sc_retx_add(&t, 1, true, &a, big, sizeof(big), T0), 0);
	CHECK_EQ_INT(sc_retx_add(&t, 2, false, &a, "", 0, T0), 0);
	sc_retx_free(&t);
	CHECK(t.head == NULL);
	CHECK_EQ_INT(t.n, 0);
	CHECK(sc_retx_due(&t, NULL, T0 + 500) == NULL);
	CHECK_EQ_INT(sc_retx_stop(&t, 1), -ENOENT);
	/* Usable again, and freeing an empty table is harmless. */
	CHECK_EQ_INT(sc_retx_add(&t, 3, true, &a, "c", 1, T0), 0);
	CHECK_EQ_INT(t.n, 1);
	sc_retx_free(&t);
	sc_retx_free(&t);
	CHECK_EQ_INT(t.n, 0);
}

int main(void)
{
	RUN(test_invite_schedule);
	RUN(test_non_invite_capped_at_t2);
	RUN(test_stop);
	RUN(test_due_walks_every_entry);
	RUN(test_give_up_reported);
	RUN(test_capacity);
	RUN(test_free);
	return check_done("relay_retx");
}
