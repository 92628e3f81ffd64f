/* The resolver (sidecar/dns/resolve.c) on a real libuv loop: an IP literal
 * comes back as one target with the port asked for, "localhost" resolves,
 * a name under .invalid (RFC 6761) fails with a negative status, and a
 * cancelled lookup never calls back while the loop still runs to its end.
 * Every loop run is bounded by a timer, so a resolver that never answers
 * fails the test instead of hanging it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <uv.h>

#include "sidecar/dns/resolve.h"
#include "sidecar/net/addr.h"
#include "tests/unit/check.h"

/* Longest a lookup may take here: a missing resolver must fail fast. */
#define BOUND_MS 10000

struct answer {
	int calls;
	int status;
	size_t n;
	struct sc_net_addr first;
	bool loopback;   /* every target is 127.0.0.1 or ::1 */
	bool ports_ok;   /* every target carries the port asked for */
	uint16_t port;
};

static void on_answer(struct sc_dns_query *q, int status, const struct sc_net_addr *t, size_t n,
		      void *arg)
{
	struct answer *a = arg;
	size_t i;

	CHECK(!sc_dns_busy(q));
	a->calls++;
	a->status = status;
	a->n = n;
	a->loopback = n > 0;
	a->ports_ok = n > 0;
	for (i = 0; i < n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&t[i].ss;
		char host[64];

		if (i == 0)
			a->first = t[0];
		if (sc_net_addr_port(sa) != a->port)
			a->ports_ok = false;
		if (sc_net_host_text(sa, host, sizeof(host)) < 0 ||
		    (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "[::1]") != 0))
			a->loopback = false;
	}
}

static void on_bound(uv_timer_t *t)
{
	bool *expired = t->data;

	*expired = true;
	uv_stop(t->loop);
}

/* Runs loop until it has nothing left to do, or BOUND_MS.  Returns false
 * (and the time it took in *ms) when the bound was hit. */
static bool run_bounded(uv_loop_t *loop, uint64_t *ms)
{
	uv_timer_t timer;
	bool expired = false;
	uint64_t start;

	uv_update_time(loop);
	start = uv_now(loop);
	uv_timer_init(loop, &timer);
	timer.data = &expired;
	uv_timer_start(&timer, on_bound, BOUND_MS, 0);
	uv_unref((uv_handle_t *)&timer); /* only the lookup keeps the loop alive */
	uv_run(loop, UV_RUN_DEFAULT);
	uv_update_time(loop);
	*ms = uv_now(loop) - start;
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return !expired;
}

static void test_ip_literal(void)
{
	uv_loop_t loop;
	struct sc_dns_query q;
	struct answer a;
	char text[64];
	uint64_t ms;

	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	a.port = 5071;
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	CHECK(!sc_dns_busy(&q));
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, "127.0.0.1", 5071, SOCK_STREAM, on_answer, &a), 0);
	CHECK(sc_dns_busy(&q));
	CHECK_EQ_INT(a.calls, 0); /* never from inside sc_dns_resolve */
	CHECK(run_bounded(&loop, &ms));
	CHECK_EQ_INT(a.calls, 1);
	CHECK_EQ_INT(a.status, 0);
	CHECK_EQ_INT(a.n, 1);
	CHECK(a.ports_ok);
	CHECK(sc_net_addr_text((const struct sockaddr *)&a.first.ss, text, sizeof(text)) > 0);
	CHECK(strcmp(text, "127.0.0.1:5071") == 0);
	CHECK_EQ_INT(a.first.len, sizeof(struct sockaddr_in));
	CHECK(!sc_dns_busy(&q));
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static void test_localhost(void)
{
	uv_loop_t loop;
	struct sc_dns_query q;
	struct answer a;
	uint64_t ms;

	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	a.port = 5061;
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, "localhost", 5061, SOCK_STREAM, on_answer, &a), 0);
	CHECK(run_bounded(&loop, &ms));
	CHECK_EQ_INT(a.calls, 1);
	CHECK_EQ_INT(a.status, 0);
	CHECK(a.n >= 1 && a.n <= SC_DNS_TARGETS_MAX);
	CHECK(a.loopback);
	CHECK(a.ports_ok);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static void test_unresolvable(void)
{
	uv_loop_t loop;
	struct sc_dns_query q;
	struct answer a;
	uint64_t ms = 0;

	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	a.port = 5061;
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, "nonexistent.invalid", 5061, SOCK_STREAM, on_answer,
				    &a),
		     0);
	CHECK(run_bounded(&loop, &ms));
	CHECK(ms < BOUND_MS);
	CHECK_EQ_INT(a.calls, 1);
	CHECK(a.status < 0);
	CHECK_EQ_INT(a.n, 0);
	if (a.status < 0)
		printf("dns_resolve: nonexistent.invalid: %s (%s) after %llu ms\n",
		       uv_err_name(a.status), uv_strerror(a.status), (unsigned long long)ms);
	if (!sc_dns_busy(&q))
		CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static void test_bad_arguments(void)
{
	uv_loop_t loop;
	struct sc_dns_query q;
	struct answer a;

	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, "", 5061, SOCK_STREAM, on_answer, &a), UV_EINVAL);
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, NULL, 5061, SOCK_STREAM, on_answer, &a), UV_EINVAL);
	CHECK(!sc_dns_busy(&q));
	CHECK_EQ_INT(uv_run(&loop, UV_RUN_NOWAIT), 0);
	CHECK_EQ_INT(a.calls, 0);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static void test_cancel(void)
{
	uv_loop_t loop;
	struct sc_dns_query q;
	struct answer a;
	uint64_t ms;
	const char *hosts[] = {"localhost", "127.0.0.1", "nonexistent.invalid"};
	size_t i;

	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	/* On an idle query: nothing happens, also twice. */
	memset(&q, 0, sizeof(q));
	sc_dns_cancel(&q);
	sc_dns_cancel(&q);
	CHECK(!sc_dns_busy(&q));
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		memset(&a, 0, sizeof(a));
		CHECK_EQ_INT(sc_dns_resolve(&loop, &q, hosts[i], 5061, SOCK_STREAM, on_answer, &a), 0);
		sc_dns_cancel(&q);
		sc_dns_cancel(&q);
		/* libuv holds q until its completion has run. */
		CHECK_EQ_INT(sc_dns_resolve(&loop, &q, hosts[i], 5061, SOCK_STREAM, on_answer, &a),
			     UV_EBUSY);
		CHECK(run_bounded(&loop, &ms));
		CHECK_EQ_INT(a.calls, 0);
		CHECK(!sc_dns_busy(&q));
	}
	/* The same query works again afterwards. */
	memset(&a, 0, sizeof(a));
	a.port = 5061;
	CHECK_EQ_INT(sc_dns_resolve(&loop, &q, "127.0.0.1", 5061, SOCK_STREAM, on_answer, &a), 0);
	CHECK(run_bounded(&loop, &ms));
	CHECK_EQ_INT(a.calls, 1);
	CHECK_EQ_INT(a.status, 0);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

int main(void)
{
	RUN(test_ip_literal);
	RUN(test_localhost);
	RUN(test_unresolvable);
	RUN(test_bad_arguments);
	RUN(test_cancel);
	return check_done("dns_resolve");
}
