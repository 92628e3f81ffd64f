/* The relay core: what happens to each message, decided without any I/O
 * (SPEC B1, B3-B6, B8, B9).
 *
 * The I/O edges (relay.c) parse a message, say where it came from, and get
 * back a verdict and, when something is to be sent, the rewritten bytes and
 * where they go.  Everything here works on a parsed message, the
 * configuration and two small tables (device state and transactions), so
 * it is tested without sockets.
 *
 * Four directions:
 *   a request from a device        sc_core_lan_request (may it go on?), then
 *                                   sc_core_outbound once its TLS flow is up
 *                                   (the flow's address goes into Via,
 *                                   Contact and Record-Route);
 *   a response from a device       sc_inbound_branch (which TLS connection?
 *                                   inbound.h), then sc_core_lan_response;
 *   a request from a provider      sc_core_wan_request;
 *   a response from a provider     sc_core_wan_response.
 */
#ifndef SC_RELAY_CORE_H
#define SC_RELAY_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../conf/conf.h"
#include "../sip/msg.h"
#include "txn.h"

/* Room for a rewritten message: the largest accepted one plus our headers. */
#define SC_CORE_OUT_MAX (SC_SIP_MAX_MSG + 4096)

/* What the relay has learnt about a device at run time. */
struct sc_core_dev {
	bool seen;                 /* it has sent something */
	struct sc_net_addr src;   /* where from, last time */
	enum sc_transport tp;      /* over which transport */
	char aor[64];              /* the user part of its last REGISTER's To URI */
	char contact[256];         /* the Contact URI of that REGISTER, as the device wrote it */
};

/* Counted, never logged above debug (SPEC B1, B8, B9). */
struct sc_core_stats {
	unsigned long unknown_source;   /* B1: not a device, or outside lan.allow */
	unsigned long malformed;        /* B8 */
	unsigned long retransmissions;  /* B9: absorbed device retransmissions */
	unsigned long unknown_txn;      /* B9: provider responses for no transaction */
	unsigned long not_ours;         /* device responses without our Via */
	unsigned long no_device;        /* provider requests no device could take */
};

struct sc_core {
	const struct sc_conf *conf;
	struct sc_core_dev *devs;      /* one per conf->devices */
	struct sc_txn_table txns;
	char lan[2][96];               /* LAN sent-by for UDP and TCP, "host:port" */
	const char *self[2];           /* the same, for recognising our own Routes */
	struct sc_core_stats st;
};

/* How a message from the WAN side reached us. */
struct sc_core_link {
	uint64_t id;                               /* non-zero */
	bool verified;                             /* peer certificate: chain and identity */
	const struct sc_conf_upstream *upstream;   /* NULL: not known to be one */
	const char *wan;                           /* our host:port as this peer should see it */
};

enum sc_core_verdict {
	SC_CORE_DROP = 0,    /* send nothing (o->why says why) */
	SC_CORE_REPLY = 1,   /* send o->buf back where the message came from */
	SC_CORE_FORWARD = 2, /* send o->buf on (to the flow, to o->dst, or to the link) */
};

struct sc_core_out {
	char buf[SC_CORE_OUT_MAX];
	size_t len;
	size_t device;              /* the device concerned */
	struct sc_net_addr dst;    /* towards a device: where */
	enum sc_transport tp;       /* and over which transport */
	uint64_t link;              /* a device's response: the TLS connection it goes on */
	uint64_t key;               /* a request towards a device: its transaction (our
				     * LAN branch key mixed with the method), to repeat it */
	const char *why;            /* a drop's reason, for the debug log */
};

/* lan_udp and lan_tcp are the LAN sent-by ("host:port") for each transport. */
int sc_core_init(struct sc_core *c, const struct sc_conf *conf, const char *lan_udp,
		 const char *lan_tcp);
void sc_core_free(struct sc_core *c);

/* B1: the device a LAN source belongs to (inside lan.allow), or -1. */
long sc_core_device(const struct sc_conf *conf, const struct sockaddr *src);

/* Index of the device called name, or -1. */
long sc_core_device_named(const struct sc_conf *conf, sc_str name);

/* A request from device dev: remembers where the device is and what it
 * registered, and absorbs retransmissions (B9).  Returns SC_CORE_FORWARD
 * (hand it to the device's flow), SC_CORE_REPLY (o->buf: 483, or the last
 * response again for a retransmission), SC_CORE_DROP (a retransmission
 * with no response yet: o->link is the connection the request went out
 * on, 0 if it has not gone out yet), or a negative errno (-EBADMSG: answer
 * 400). */
int sc_core_lan_request(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
			const struct sockaddr *src, enum sc_transport tp, uint64_t now,
			struct sc_core_out *o);

/* The request as the provider gets it (B3, B4): our Via with sent-by wan,
 * Max-Forwards decremented, our Routes consumed, double Record-Route on
 * dialog-creating requests, Contacts of REGISTER and of requests that set
 * a dialog's target (INVITE, SUBSCRIBE, REFER, NOTIFY, UPDATE) rewritten
 * to wan.  Returns
 * SC_CORE_FORWARD or a negative errno. */
int sc_core_outbound(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
		     const struct sockaddr *src, enum sc_transport tp, const char *wan,
		     struct sc_core_out *o);

/* The request went out on TLS connection link: a retransmission that
 * comes while that connection is gone goes out again (sc_core_lan_request
 * then answers SC_CORE_DROP with o->link set to the old connection).
 * Returns 0 or a negative errno. */
int sc_core_sent(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
		 const struct sockaddr *src, uint64_t link);

/* A local failure answer to a device request (503 with a Warning naming the
 * cause, B10), remembered for its retransmissions.  Returns SC_CORE_REPLY,
 * SC_CORE_DROP (an ACK) or a negative errno. */
int sc_core_fail(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
		 const struct sockaddr *src, int status, const char *reason, const char *warning,
		 uint64_t now, struct sc_core_out *o);

/* Our own 100 Trying to a device's INVITE, sent at once so a UDP device
 * stops retransmitting (the provider's 100 is hop by hop and dropped,
 * RFC 3261 §16.7), and remembered for retransmissions as sc_core_fail
 * does.  Returns SC_CORE_REPLY or a negative errno. */
int sc_core_trying(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
		   const struct sockaddr *src, uint64_t now, struct sc_core_out *o);

/* The response as the provider gets it: our Via removed, Contacts of
 * 1xx/2xx responses to the requests above rewritten to wan (B4); a 3xx
 * Contact points elsewhere and is kept.  Returns SC_CORE_FORWARD or a negative errno. */
int sc_core_lan_response(struct sc_core *c, const struct sc_sip_msg *m, size_t dev,
			 const char *wan, struct sc_core_out *o);

/* A request from a provider over link (B5, B6): mapped to a device by the
 * Contact token in its Request-URI, then by registered AOR, then to a
 * static device; Request-URI restored; LAN Via added; Alert-Info removed
 * and, for a verified INVITE from a trusted upstream, the device's own
 * added.  Returns SC_CORE_FORWARD (o->device, o->dst, o->tp), SC_CORE_REPLY
 * (404, 480, 483 to send back on the link), SC_CORE_DROP or a negative
 * errno. */
int sc_core_wan_request(struct sc_core *c, const struct sc_sip_msg *m,
			const struct sc_core_link *lk, uint64_t now, struct sc_core_out *o);

/* A response from a provider (B3, B9): our Via removed, back to the device
 * and address the request came from, remembered for retransmissions.
 * A 100 Trying is dropped: the device had ours (sc_core_trying).
 * Returns SC_CORE_FORWARD, SC_CORE_DROP (not ours, a 100, or no such
 * transaction) or a negative errno. */
int sc_core_wan_response(struct sc_core *c, const struct sc_sip_msg *m, uint64_t now,
			 struct sc_core_out *o);

/* A local response (400, 403, 503, ...) to request m, into o.  Returns
 * SC_CORE_REPLY, or SC_CORE_DROP for an ACK (never answered). */
int sc_core_reply(const struct sc_sip_msg *m, int status, const char *reason,
		  const char *warning, struct sc_core_out *o);

#endif
