/* The relay's shared state, for its two wiring files only: relay.c (set-up,
 * the WAN side, timers) and lan.c (the LAN side).  Nothing outside
 * sidecar/relay/relay.c and lan.c includes this. */
#ifndef SC_RELAY_WIRING_H
#define SC_RELAY_WIRING_H

#include <stdbool.h>

#include <uv.h>

#include "../dns/resolve.h"
#include "../net/tcp.h"
#include "../net/udp.h"
#include "core.h"
#include "flow.h"
#include "link.h"

struct sc_relay {
	uv_loop_t *loop;
	const struct sc_conf *conf;
	struct sc_core core;
	struct sc_udp udp;
	struct sc_tcp tcp;
	struct sc_links links;
	struct sc_tls_ctx *server;
	struct sc_flow *flows;      /* one per upstream (shared) or device (per-device) */
	size_t nflows;
	uv_timer_t tick;            /* transaction expiry */
	uv_timer_t retx_timer;      /* Timer A/E towards UDP devices */
	bool stopping;
	struct sc_sip_msg qmsg;     /* a queued request, parsed again */
	struct sc_dns_query *lookups; /* lookup.c: one per upstream */
	uv_timer_t lookup_timer;
	struct sc_core_out out;
};

/* A provider's request kept on the TCP connection the relay opens to a
 * device for it, until that connection is up.  Refused: a request sent
 * over TCP for its size (mtu.h, fallback) goes over UDP after all, its UDP
 * form in buf; any other (buf: the provider's request as it came, on link)
 * gets its 480 at once. */
struct sc_relay_big {
	uint64_t key;
	uint64_t link;
	bool invite;
	bool fallback;
	struct sc_net_addr dst;
	size_t len;
	char buf[];
};

/* lookup.c: each upstream's addresses looked up now and every 5 minutes
 * (its default accept_from, B15); stopped with the relay, the array freed
 * by sc_relay_free.  Returns 0 or -1 (no memory). */
int sc_relay_lookups_start(struct sc_relay *r);
void sc_relay_lookups_stop(struct sc_relay *r);

/* Starts Timer A/E's timer when a UDP request is being repeated. */
void sc_relay_retx_arm(struct sc_relay *r);

static inline uint64_t sc_relay_now(const struct sc_relay *r)
{
	return uv_now(r->loop);
}

/* The LAN side (lan.c): datagrams, TCP connections and queued requests to
 * the core and the flows. */
void sc_relay_lan_udp(void *arg, const struct sockaddr *src, const char *buf, size_t len,
		      bool truncated);
extern const struct sc_tcp_cbs sc_relay_lan_tcp;
extern const struct sc_flow_cbs sc_relay_lan_flow;

#endif
