/* Name resolution: the one entry point that turns an upstream's host and
 * port into the addresses to connect to, asynchronously on the loop.
 *
 * Today a name is looked up with A/AAAA (libuv's uv_getaddrinfo, on its
 * thread pool) and the targets come in getaddrinfo's order.  RFC 3263
 * (NAPTR, then SRV, then A/AAAA) is to come behind the same API, which is
 * why the answer is an ordered list of targets rather than one address.
 *
 * The caller owns the query and keeps it alive while sc_dns_busy() says
 * libuv holds it; the targets and everything behind them belong to dns and
 * are valid only during the callback. */
#ifndef SC_DNS_RESOLVE_H
#define SC_DNS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "../net/addr.h"

/* At most this many targets are handed to the callback (the first ones). */
#define SC_DNS_TARGETS_MAX 8

struct sc_dns_query;

/* The answer: status 0 with 1..SC_DNS_TARGETS_MAX targets (IPv4 or IPv6,
 * each with the port asked for), or a negative libuv code (uv_strerror
 * gives the sentence) with none.  Called on the loop, never from inside
 * sc_dns_resolve.  The callback may start a new lookup with the same query
 * or free it: dns no longer touches q once the callback is running. */
typedef void (*sc_dns_cb)(struct sc_dns_query *q, int status, const struct sc_net_addr *targets,
			  size_t ntargets, void *arg);

/* One lookup.  Zero it (or let sc_dns_resolve fill it) before first use;
 * the fields are dns's own. */
struct sc_dns_query {
	uv_getaddrinfo_t req;
	sc_dns_cb cb;
	void *arg;
	uint16_t port;
	bool busy;       /* libuv holds req: its completion has not run yet */
	bool cancelled;  /* sc_dns_cancel: the completion only cleans up */
};

/* Looks up host (a name or an IP literal) for port and socktype
 * (SOCK_STREAM for TLS) and calls cb(q, ..., arg) with the targets later.
 * Returns 0, or a negative libuv code when the lookup could not be started
 * (cb is then not called); UV_EBUSY while q is still busy, also after
 * sc_dns_cancel until libuv is done with it. */
int sc_dns_resolve(uv_loop_t *loop, struct sc_dns_query *q, const char *host, uint16_t port,
		   int socktype, sc_dns_cb cb, void *arg);

/* Cancels a lookup: once it returns, q's callback is never called for it.
 * Safe on an idle query (does nothing) and when called twice.  The lookup
 * may be running on libuv's thread pool already: then libuv completes it
 * later on the loop and dns frees the results there without calling back,
 * so q must stay valid (not freed, not reused) until sc_dns_busy(q) is
 * false, or the loop has run to its end. */
void sc_dns_cancel(struct sc_dns_query *q);

/* Does libuv still hold q (a lookup started and its completion not yet run
 * on the loop, cancelled or not)? */
bool sc_dns_busy(const struct sc_dns_query *q);

#endif
