/* Flows (SPEC B2): the sidecar's own TLS connections to an upstream, one
 * per device (connection: per-device) or one per upstream (shared).
 *
 * A flow is a small state machine:
 *
 *   IDLE --request--> DIALLING --handshake--> OPEN --drop--> IDLE (re-dialled
 *     ^                  |   \--TLS 1.3, our certificate asked for--> WAITING
 *     |                  v                                               |
 *     +--back-off---- DOWN <--------- refused / unreachable -------------+
 *                                 OPEN --no answer (alive.h)--> CLOSING --> dialled at once
 *
 * Requests wait in a short queue while it dials; when it opens they are
 * sent in order, when it fails every one is refused (503 with the cause,
 * B10) and new ones are refused at once for the back-off time (1 s,
 * doubling up to 60 s).  An open flow sends a CRLFCRLF keep-alive every
 * `keepalive` seconds; a flow that was up and drops is dialled again after
 * the back-off, so inbound calls can reach the devices over it.  A flow
 * whose peer stopped answering (a ping with no pong, a request with nothing
 * heard back: alive.h, B14) is aborted and dialled again at once; requests
 * wait in the queue meanwhile.  What to do
 * with each request is the core's verdict (sc_core_plan): the flow only
 * reports its state, queues and dials.
 */
#ifndef SC_RELAY_FLOW_H
#define SC_RELAY_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../dns/resolve.h"
#include "../net/addr.h"
#include "../sip/msg.h"
#include "alive.h"
#include "core.h"
#include "devices.h"
#include "link.h"

/* A device's requests waiting for its flow to open. */
#define SC_FLOW_QUEUE_MAX 64
#define SC_FLOW_BACKOFF_MIN_MS 1000
#define SC_FLOW_BACKOFF_MAX_MS 60000
/* How long a TLS 1.3 flow waits after a server asked for a client
 * certificate we do not have: the server's verdict comes after the
 * handshake, and a request sent into a connection about to be refused
 * would be lost without an answer. */
#define SC_FLOW_CERT_VERDICT_MS 500

enum sc_flow_state {
	SC_FLOW_IDLE = 0,   /* no connection; dialled on demand */
	SC_FLOW_DIALLING,   /* resolving, connecting or in the handshake */
	SC_FLOW_WAITING,    /* TLS 1.3, waiting for the server's verdict on us */
	SC_FLOW_OPEN,
	SC_FLOW_DOWN,       /* failed: requests get 503 until down_until */
	SC_FLOW_CLOSING,    /* its peer stopped answering: aborted, dialled again
			     * once closed; requests queue */
};

struct sc_flow_pending {
	struct sc_flow_pending *next;
	struct sc_dev *dev;
	struct sc_net_addr src;
	enum sc_transport tp;
	size_t len;
	char buf[];
};

struct sc_flow;

struct sc_flow_cbs {
	/* A queued request, to be sent now on the open flow. */
	void (*send)(void *arg, struct sc_flow *f, const struct sc_flow_pending *p);
	/* A queued request the flow cannot carry: answer it (warning). */
	void (*refuse)(void *arg, struct sc_flow *f, const struct sc_flow_pending *p,
		       const char *warning);
	/* The flow is up again after it had been (B7: registrations are
	 * replayed on it), once what waited has been sent. */
	void (*reopened)(void *arg, struct sc_flow *f);
};

struct sc_flow {
	uv_loop_t *loop;
	struct sc_links *links;
	struct sc_up *up;
	const char *device;   /* the device whose own flow it is; NULL when shared */
	const struct sc_flow_cbs *cbs;
	void *arg;
	enum sc_flow_state state;
	struct sc_link *link;
	struct sc_flow_pending *qhead, *qtail;
	size_t qn;
	uv_timer_t timer;     /* back-off, keep-alive, certificate verdict */
	uv_timer_t watch;     /* when alive.h wants a look */
	struct sc_alive alive;
	struct sc_dns_query dns; /* the upstream's name looked up */
	bool was_open;        /* it has been up: dial again after a drop */
	bool stopping;
	unsigned backoff;     /* ms */
	uint64_t down_until;
	char warning[200];    /* the Warning for requests that cannot go */
};

void sc_flow_init(struct sc_flow *f, uv_loop_t *loop, struct sc_links *links, struct sc_up *up,
		  const struct sc_flow_cbs *cbs, void *arg);

/* One flow per upstream for the shared ones, one per device otherwise,
 * each reached from its record in the registry (up->flow, dev->flow).
 * Returns 0 or -ENOMEM; *out is freed by the caller. */
int sc_flows_build(struct sc_flow **out, size_t *n, struct sc_devices *reg, uv_loop_t *loop,
		   struct sc_links *links, const struct sc_flow_cbs *cbs, void *arg);

/* The flow as the core plans with it (sc_core_plan). */
void sc_flow_view(const struct sc_flow *f, struct sc_core_flow *v);

/* Queues a copy of request m from dev and dials if needed.  Returns 0 or
 * -ENOMEM (the caller answers it). */
int sc_flow_queue(struct sc_flow *f, const struct sc_sip_msg *m, struct sc_dev *dev,
		  const struct sockaddr *src, enum sc_transport tp);

/* A request went out on the open flow: its answer is watched for (B14). */
void sc_flow_sent(struct sc_flow *f);

/* Another flow to the same upstream has just come back: the path is
 * there again, so a flow waiting out its back-off after a drop dials now
 * instead (a lost NAT binding takes every flow with it, and each phone's
 * calls would be refused until its own flow's back-off ended). */
void sc_flow_nudge(struct sc_flow *f);

/* Events from the flow's link. */
void sc_flow_link_open(struct sc_flow *f, struct sc_link *l, int status);
void sc_flow_link_data(struct sc_flow *f);
void sc_flow_link_closed(struct sc_flow *f, struct sc_link *l);

/* Shutting down: timers closed, a lookup cancelled, the queue freed once
 * the loop has run the close callbacks (sc_flow_free). */
void sc_flow_stop(struct sc_flow *f);
void sc_flow_free(struct sc_flow *f);

#endif
