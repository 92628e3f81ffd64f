/* The relay's timers, as verdicts: see timeout.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sip/reply.h"
#include "inbound.h"
#include "timeout.h"

#define WARN_NO_ANSWER "399 sipsidecar \"no response from the upstream\""
#define WARN_TIMER_C "399 sipsidecar \"no final response from the upstream in 3 minutes\""
#define WARN_LOST "399 sipsidecar \"upstream connection lost\""

/* Room for a response built from a request of len bytes: its Vias, From,
 * To, Call-ID and CSeq, a status line, a tag and a Warning. */
static size_t reply_room(size_t len)
{
	return len + 512;
}

/* The 408 (or, for a lost connection, 503) of device request x, as if
 * the provider had sent it (RFC 3261 §16.6 step 11, §16.9): back through
 * sc_core_wan_response, so it reaches the device its Via names and ends
 * the transaction. */
static int txn_answer(struct sc_core *c, struct sc_txn *x, int status, const char *warning,
		      uint64_t now, struct sc_core_out *o)
{
	struct sc_sip_msg *m = &c->msg;
	size_t cap = reply_room(x->req_len);
	char *buf = malloc(cap);
	int rc, n;

	if (!buf)
		return -ENOMEM;
	rc = sc_sip_msg_parse(m, x->req, x->req_len);
	if (rc == 0) {
		n = sc_sip_reply(m, status,
				 status == 503 ? "Service Unavailable" : "Request Timeout", warning,
				 "sc408", buf, cap);
		rc = n < 0 ? n : sc_sip_msg_parse(m, buf, (size_t)n);
	}
	o->link = 0;
	if (rc == 0)
		rc = sc_core_wan_response(c, m, now, o);
	free(buf);
	return rc;
}

/* The CANCEL of the INVITE in x, for the connection it went out on. */
static int txn_cancel(struct sc_core *c, const struct sc_txn *x, struct sc_core_out *o)
{
	struct sc_sip_msg *m = &c->msg;
	int n;

	if (sc_sip_msg_parse(m, x->req, x->req_len) < 0)
		return -EBADMSG;
	n = sc_sip_cancel(m, o->buf, sizeof(o->buf));
	if (n < 0)
		return n;
	o->len = (size_t)n;
	o->link = x->link;
	return SC_CORE_FORWARD;
}

int sc_timeout_txn(struct sc_core *c, uint64_t now, struct sc_core_out *o)
{
	struct sc_txn *x;
	int rc;

	o->why = NULL;
	o->device = NULL;
	o->malformed = false;
	while ((x = sc_txn_timeout(&c->txns, now, &c->txn_pos)) != NULL) {
		/* Its connection went (B14, RFC 3261 §16.9: as if it had
		 * answered 503), or a timer fired (B13). */
		bool lost = x->lost;
		bool timer_c = !lost && x->invite && x->state == SC_TXN_PROCEEDING;

		if (timer_c && !x->cancelled) {
			/* First the CANCEL, so the callee stops ringing; the
			 * next call answers the device. */
			x->cancelled = true;
			if (x->link && c->link_wan && c->link_wan(c->link_arg, x->link) &&
			    txn_cancel(c, x, o) == SC_CORE_FORWARD) {
				o->why = "Timer C: no final response in 3 minutes, CANCEL sent upstream";
				return SC_CORE_FORWARD;
			}
		}
		rc = txn_answer(c, x, lost ? 503 : 408,
				lost ? WARN_LOST : timer_c ? WARN_TIMER_C : WARN_NO_ANSWER, now, o);
		/* Whatever became of the answer, the entry is done with. */
		if (x->state <= SC_TXN_PROCEEDING)
			sc_txn_end(&c->txns, x, now);
		if (rc == SC_CORE_FORWARD) {
			c->st.timeouts += !lost;
			o->why = lost	   ? "its upstream connection was lost, 503"
				 : timer_c ? "Timer C: no final response in 3 minutes, 408"
					   : "no response from the upstream in 32 s, 408";
			return rc;
		}
	}
	c->txn_pos = 0;
	return SC_CORE_DROP;
}

/* The 408 for the provider of request x that a UDP device never answered
 * (RFC 3261 §16.8), on the link our LAN Via names. */
static int retx_408(struct sc_core *c, const struct sc_retx *x, struct sc_core_out *o)
{
	struct sc_sip_msg *m = &c->msg;
	size_t cap = reply_room(x->len);
	char *buf = malloc(cap);
	const char *wan = NULL;
	uint64_t key, id;
	int rc, n;

	if (!buf)
		return -ENOMEM;
	rc = sc_sip_msg_parse(m, x->buf, x->len);
	if (rc == 0) {
		n = sc_sip_reply(m, 408, "Request Timeout",
				 "399 sipsidecar \"no response from the device\"", "sc408", buf, cap);
		rc = n < 0 ? n : sc_sip_msg_parse(m, buf, (size_t)n);
	}
	if (rc == 0)
		rc = sc_inbound_branch(m, &key, &id);
	if (rc == 0 && c->link_wan)
		wan = c->link_wan(c->link_arg, id);
	if (rc == 0)
		rc = wan ? sc_core_lan_response(c, m, NULL, wan, o) : SC_CORE_DROP;
	free(buf);
	return rc;
}

int sc_timeout_retx(struct sc_core *c, uint64_t now, struct sc_core_out *o)
{
	const struct sc_retx *x;
	int rc;

	o->why = NULL;
	o->device = NULL;
	o->malformed = false;
	while ((x = sc_retx_due(&c->retx, c->retx_prev, now)) != NULL) {
		if (!x->gave_up) {
			c->retx_prev = x;
			memcpy(o->buf, x->buf, x->len);
			o->len = x->len;
			o->dst = x->dst;
			o->tp = SC_TP_UDP;
			o->link = 0;
			return SC_CORE_FORWARD;
		}
		rc = retx_408(c, x, o);
		(void)sc_retx_stop(&c->retx, x->key);
		/* From the start again: the entries handed out already are
		 * scheduled for later and do not come back. */
		c->retx_prev = NULL;
		if (rc == SC_CORE_FORWARD) {
			c->st.timeouts++;
			o->why = "the device did not answer in 32 s, 408 to the upstream";
			return rc;
		}
	}
	c->retx_prev = NULL;
	return SC_CORE_DROP;
}
