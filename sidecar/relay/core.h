/* The relay core: every verdict about a message, decided without any I/O
 * (SPEC B1, B3-B6, B8-B10).
 *
 * The I/O edges (relay.c, flow.c, link.c) hand over the bytes they
 * received and where they came from, and carry out what the core returns: a
 * reply to send back, bytes to forward (to a flow, a TLS link or a device),
 * a request to queue for its flow, a 100 Trying before or after it.  The
 * core parses, matches the device (B1), keeps the device registry, the
 * transaction table (B9), the Timer A/E repetitions towards UDP devices and
 * the counters, and decides every local answer (400, 403, 404, 480, 483,
 * 503) and which upstream a connection to wan.listen belongs to.  It is
 * tested without sockets (tests/unit/test_core*.c).
 *
 * Four directions:
 *   a request from a device    sc_core_lan_input -> SUBMIT, then
 *                              sc_core_plan (send now, queue, refuse) and
 *                              sc_core_forward once its flow is up;
 *   a response from a device   sc_core_lan_input -> FORWARD on a link;
 *   a request from a provider  sc_core_wan_input -> FORWARD to a device;
 *   a response from a provider sc_core_wan_input -> FORWARD to a device.
 */
#ifndef SC_RELAY_CORE_H
#define SC_RELAY_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../conf/conf.h"
#include "../net/addr.h"
#include "../sip/msg.h"
#include "devices.h"
#include "retx.h"
#include "txn.h"

/* Room for a rewritten message: the largest accepted one plus our headers. */
#define SC_CORE_OUT_MAX (SC_SIP_MAX_MSG + 4096)
/* INVITEs remembered as sent over TCP for their size (mtu.h). */
#define SC_CORE_BIG 16

/* Counted, never logged above debug (SPEC B1, B8, B9). */
struct sc_core_stats {
	unsigned long unknown_source;   /* B1: not a device, or outside lan.allow */
	unsigned long malformed;        /* B8 */
	unsigned long retransmissions;  /* B9: absorbed device retransmissions */
	unsigned long unknown_txn;      /* B9: provider responses for no transaction */
	unsigned long not_ours;         /* device responses without our Via */
	unsigned long no_device;        /* provider requests no device could take */
	unsigned long late;             /* B13: provider responses after their transaction ended */
	unsigned long timeouts;         /* B13: requests answered 408 (Timer B, C, F) */
	unsigned long oversize_udp;     /* requests over 1300 bytes sent over UDP (mtu.h) */
	unsigned long unattributed;     /* B15: requests on a connection of no upstream (403) */
	unsigned long other_upstream;   /* B15: a device's token from another upstream (403) */
};

/* Our address as the peer of TLS link id sees it ("host:port"), or NULL
 * when that link is closed: the core asks, the link table answers. */
typedef const char *sc_core_link_wan_fn(void *arg, uint64_t id);

struct sc_core {
	const struct sc_conf *conf;
	struct sc_devices reg;         /* devices and upstreams by name */
	struct sc_txn_table txns;
	struct sc_retx_table retx;
	char lan[2][96];               /* LAN sent-by for UDP and TCP, "host:port" */
	const char *self[2];           /* the same, for recognising our own Routes */
	sc_core_link_wan_fn *link_wan;
	void *link_arg;
	struct sc_core_stats st;
	struct sc_sip_msg msg;         /* the message being decided on */
	size_t txn_pos;                /* timeout.c: where its scan of txns is */
	const struct sc_retx *retx_prev; /* timeout.c: the last repetition handed out */
	bool force_tcp;                /* mtu.c: render a UDP device's request for TCP */
	uint64_t big[SC_CORE_BIG];     /* mtu.c: branches of INVITEs sent over TCP for size */
	unsigned big_next;
	char *alt;                     /* mtu.c: the UDP form of the last one */
	size_t alt_cap;
};

/* How a message from the WAN side reached us. */
struct sc_core_link {
	uint64_t id;                   /* non-zero */
	bool tls;                      /* over TLS (every WAN link today) */
	bool verified;                 /* peer certificate: chain and identity */
	struct sc_up *upstream;        /* NULL: not known to be one */
	const char *wan;               /* our host:port as this peer should see it */
};

enum sc_core_verdict {
	SC_CORE_DROP = 0,    /* send nothing (o->why says why) */
	SC_CORE_REPLY = 1,   /* send o->buf back where the message came from */
	SC_CORE_FORWARD = 2, /* send o->buf on: on link o->link, or to device o->device */
	SC_CORE_SUBMIT = 3,  /* a device request for its flow: sc_core_plan */
	SC_CORE_SEND = 4,    /* sc_core_plan: the flow is up, sc_core_forward it now */
	SC_CORE_QUEUE = 5,   /* sc_core_plan: queue it and open the flow */
};

/* Our 100 Trying to a device's INVITE, and when it goes. */
enum sc_core_trying {
	SC_CORE_TRYING_NONE = 0,
	SC_CORE_TRYING_BEFORE = 1, /* first: the INVITE waits for its flow */
	SC_CORE_TRYING_AFTER = 2,  /* once the INVITE went out: it never delays it */
};

/* What the core knows of a device's flow when it plans a request. */
struct sc_core_flow {
	bool open;                 /* up: send now */
	bool refusing;             /* failed, inside its back-off: 503 at once */
	bool queue_full;
	const char *warning;       /* the refusal's Warning ("399 sipsidecar \"...\"") */
};

struct sc_core_out {
	char buf[SC_CORE_OUT_MAX];
	size_t len;
	struct sc_dev *device;      /* the device concerned */
	struct sc_net_addr dst;     /* towards a device: where */
	enum sc_transport tp;       /* and over which transport */
	uint64_t link;              /* a device's response: the TLS connection it goes on */
	uint64_t key;               /* a request towards a device: its transaction (our
				     * LAN branch key mixed with the method) */
	uint64_t branch_key;        /* and that LAN branch key alone */
	const char *alt;            /* mtu.h: sent over TCP for its size, its UDP form */
	size_t alt_len;
	enum sc_core_trying trying; /* sc_core_plan: our 100 Trying, and when */
	bool malformed;             /* the input did not parse (o->why: how) */
	bool resend;                /* SUBMIT: a retransmission whose first copy was lost
				     * with its connection */
	bool notice;                /* o->why is worth a line at info (a replay's outcome) */
	bool unattributed;          /* B15: refused, on a connection of no upstream */
	const char *why;            /* a drop's or a local answer's reason, for the log */
};

/* lan_udp and lan_tcp are the LAN sent-by ("host:port") for each
 * transport; link_wan answers which links are open (may be NULL in tests
 * that send no device responses).  Returns 0, -ENOMEM or -ENOENT. */
int sc_core_init(struct sc_core *c, const struct sc_conf *conf, const char *lan_udp,
		 const char *lan_tcp, sc_core_link_wan_fn *link_wan, void *link_arg);
void sc_core_free(struct sc_core *c);

/* B1: the device a LAN source belongs to (inside lan.allow), or NULL. */
struct sc_dev *sc_core_device(const struct sc_core *c, const struct sockaddr *src);

/* The device called name, or NULL. */
struct sc_dev *sc_core_device_named(const struct sc_core *c, sc_str name);

/* A message from the LAN: len bytes from src over tp, from device dev (NULL:
 * no device; sc_core_device).  Parses it into c->msg and decides: a
 * malformed one is counted and dropped, or answered 400 when a device sent
 * it (B8); a stranger's is counted and dropped, or answered 403 over TCP
 * (B1).  A response goes back on the TLS link its Via names (FORWARD,
 * o->link), or is dropped when that link has closed.  A request is
 * SUBMIT (o->resend for a retransmission whose first copy was lost with its
 * connection), or REPLY (483, or the last response again for a
 * retransmission), or DROP.  Returns a verdict or a negative errno. */
int sc_core_lan_input(struct sc_core *c, const char *buf, size_t len, const struct sockaddr *src,
		      enum sc_transport tp, struct sc_dev *dev, uint64_t now,
		      struct sc_core_out *o);

/* What to do with device request m (c->msg after SUBMIT) given its flow:
 * SEND when the flow is up (o->trying AFTER for an INVITE), QUEUE while it
 * opens (o->trying BEFORE for an INVITE: the device must stop repeating
 * meanwhile), REPLY with a 503 and the flow's Warning while it is refused
 * (B10: at once, not after a transaction timeout) or when the queue is
 * full, remembered for the request's retransmissions. */
int sc_core_plan(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, const struct sc_core_flow *f, uint64_t now,
		 struct sc_core_out *o);

/* The request as the provider gets it, for sending on link (B3, B4):
 * FORWARD with the bytes in o (and the link remembered for
 * retransmissions), or REPLY with a 400 when it cannot be rewritten. */
int sc_core_forward(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		    const struct sockaddr *src, enum sc_transport tp, uint64_t link,
		    const char *wan, uint64_t now, struct sc_core_out *o);

/* The connection a request was being sent on failed under it: a 503 with
 * a Warning naming the cause, remembered for retransmissions. */
int sc_core_lost(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, const char *warning, uint64_t now,
		 struct sc_core_out *o);

/* A message from the WAN side over link lk: parsed into c->msg; a
 * malformed one is counted and dropped.  A request is mapped to a device
 * (sc_core_wan_request; a request that parses but cannot be relayed gets
 * 400), a response goes back to the device its Via names
 * (sc_core_wan_response).  A request forwarded to a UDP device is repeated
 * from then on (timeout.h, sc_timeout_retx) until the device answers. */
int sc_core_wan_input(struct sc_core *c, const char *buf, size_t len,
		      const struct sc_core_link *lk, uint64_t now, struct sc_core_out *o);

/* The request in c->msg that sc_core_wan_input forwarded could not be
 * delivered (the device's TCP connection is gone, or the one the relay
 * opened to it was refused: then buf holds the provider's request, len
 * bytes, else NULL): REPLY with a 480 for the provider, or DROP for a
 * response or an ACK. */
int sc_core_undeliverable(struct sc_core *c, const char *buf, size_t len, struct sc_core_out *o);

/* A TCP or TLS stream broke (over 64 KiB, or it cannot be framed), or a
 * datagram was over 64 KiB: counted as malformed (B8). */
void sc_core_malformed(struct sc_core *c);

/* The steps sc_core_lan_input, sc_core_wan_input and sc_core_forward are
 * made of, for tests and for requests replayed from a queue. */

/* A request from device dev: remembers where the device is and what it
 * registered, and absorbs retransmissions (B9).  Returns SC_CORE_FORWARD
 * (hand it to the device's flow), SC_CORE_REPLY (o->buf: 483, or the last
 * response again for a retransmission), SC_CORE_DROP (a retransmission
 * with no response yet: o->link is the connection the request went out
 * on, 0 if it has not gone out yet), or a negative errno (-EBADMSG: answer
 * 400). */
int sc_core_lan_request(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
			const struct sockaddr *src, enum sc_transport tp, uint64_t now,
			struct sc_core_out *o);

/* The request as the provider gets it (B3, B4): our Via with sent-by wan,
 * Max-Forwards decremented, our Routes consumed, double Record-Route on
 * dialog-creating requests, Contacts of REGISTER, of OPTIONS and of
 * requests that set a dialog's target (INVITE, SUBSCRIBE, REFER, NOTIFY,
 * UPDATE) rewritten to wan (a GRUU is left as it is).  Returns SC_CORE_FORWARD or a negative errno. */
int sc_core_outbound(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		     const struct sockaddr *src, enum sc_transport tp, const char *wan,
		     struct sc_core_out *o);

/* The request went out on TLS connection link (0: it has not, it goes out
 * again): a retransmission that comes while that connection is gone goes
 * out again.  req (len bytes; NULL keeps the last) is what the provider
 * got, kept for the CANCEL and 408 of a timeout (timeout.h).  Returns 0
 * or a negative errno. */
int sc_core_sent(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, enum sc_transport tp, uint64_t link, const char *req,
		 size_t len, uint64_t now);

/* TLS link id closed, or was found dead (B14): the requests still waiting
 * on it are answered 503 at the next sc_timeout_txn (but for a UDP
 * device's non-INVITE with no answer yet: its repetition goes out again on
 * the next connection). */
void sc_core_link_lost(struct sc_core *c, uint64_t id, uint64_t now);

/* A local failure answer to a device request (503 with a Warning naming the
 * cause, B10), remembered for its retransmissions.  Returns SC_CORE_REPLY,
 * SC_CORE_DROP (an ACK) or a negative errno. */
int sc_core_fail(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, int status, const char *reason, const char *warning,
		 uint64_t now, struct sc_core_out *o);

/* Our own 100 Trying to a device's INVITE, sent so a UDP device stops
 * retransmitting (the provider's 100 is hop by hop and dropped, RFC 3261
 * §16.7), and remembered for retransmissions as sc_core_fail does. */
int sc_core_trying(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		   const struct sockaddr *src, uint64_t now, struct sc_core_out *o);

/* The response as the provider gets it: our Via removed, Contacts of
 * 1xx/2xx responses to the requests above rewritten to wan (B4); a 3xx
 * Contact points elsewhere and is kept.  Returns SC_CORE_FORWARD,
 * SC_CORE_DROP (not our Via) or a negative errno. */
int sc_core_lan_response(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
			 const char *wan, struct sc_core_out *o);

/* A request from a provider over link (B5, B6): mapped to a device by the
 * Contact token in its Request-URI, then by registered AOR, then to a
 * static device; Request-URI restored; LAN Via added; Alert-Info removed
 * and, for a verified INVITE over TLS from a trusted upstream, the
 * device's own added.  Returns SC_CORE_FORWARD (o->device, o->dst, o->tp),
 * SC_CORE_REPLY (404, 480, 483 to send back on the link), SC_CORE_DROP or
 * a negative errno. */
int sc_core_wan_request(struct sc_core *c, const struct sc_sip_msg *m,
			const struct sc_core_link *lk, struct sc_core_out *o);

/* A response from a provider (B3, B9): our Via removed, back to the device
 * and address the request came from, remembered for retransmissions.
 * A 100 Trying is dropped: the device had ours (sc_core_trying).
 * Returns SC_CORE_FORWARD, SC_CORE_DROP (not ours, a 100, or no such
 * transaction) or a negative errno. */
int sc_core_wan_response(struct sc_core *c, const struct sc_sip_msg *m, uint64_t now,
			 struct sc_core_out *o);

/* The transaction key of device request m (outbound.h's branch key mixed
 * with the method, txn.h).  Returns 0 or a negative errno. */
int sc_core_request_key(const struct sc_sip_msg *m, const struct sc_dev *dev,
			const struct sockaddr *src, uint64_t *key);

/* A local response (400, 403, 503, ...) to request m, into o.  Returns
 * SC_CORE_REPLY, or SC_CORE_DROP for an ACK (never answered). */
int sc_core_reply(const struct sc_sip_msg *m, int status, const char *reason,
		  const char *warning, struct sc_core_out *o);

#endif
