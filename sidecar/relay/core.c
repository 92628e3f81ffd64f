/* The relay core: see core.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/addr.h"
#include "../sip/addr.h"
#include "../sip/edit.h"
#include "../sip/reply.h"
#include "../sip/uri.h"
#include "contact.h"
#include "core.h"
#include "inbound.h"
#include "mtu.h"
#include "outbound.h"
#include "register.h"
#include "route.h"
#include "trust.h"

int sc_core_init(struct sc_core *c, const struct sc_conf *conf, const char *lan_udp,
		 const char *lan_tcp, sc_core_link_wan_fn *link_wan, void *link_arg)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->link_wan = link_wan;
	c->link_arg = link_arg;
	rc = sc_devices_build(&c->reg, conf);
	if (rc < 0)
		return rc;
	if (sc_txn_init(&c->txns) < 0) {
		sc_devices_free(&c->reg);
		return -ENOMEM;
	}
	snprintf(c->lan[SC_TP_UDP], sizeof(c->lan[0]), "%s", lan_udp);
	snprintf(c->lan[SC_TP_TCP], sizeof(c->lan[0]), "%s", lan_tcp);
	c->self[0] = c->lan[SC_TP_UDP];
	c->self[1] = c->lan[SC_TP_TCP];
	return 0;
}

void sc_core_free(struct sc_core *c)
{
	sc_txn_free(&c->txns);
	sc_retx_free(&c->retx);
	sc_devices_free(&c->reg);
	free(c->alt);
	c->alt = NULL;
}

struct sc_dev *sc_core_device(const struct sc_core *c, const struct sockaddr *src)
{
	const struct sc_conf *conf = c->conf;
	bool allowed = conf->lan.nallow == 0;
	size_t i;

	for (i = 0; i < conf->lan.nallow && !allowed; i++)
		allowed = sc_net_match_addr(&conf->lan.allow[i], src);
	if (!allowed)
		return NULL;
	for (i = 0; i < c->reg.ndev; i++)
		if (sc_net_match_addr(&c->reg.dev[i]->conf->match, src))
			return c->reg.dev[i];
	return NULL;
}

struct sc_dev *sc_core_device_named(const struct sc_core *c, sc_str name)
{
	return sc_devices_find(&c->reg, name);
}

int sc_core_reply(const struct sc_sip_msg *m, int status, const char *reason,
		  const char *warning, struct sc_core_out *o)
{
	char tag[24];
	int n;

	if (!m->is_request || sc_str_eqz(m->method, "ACK"))
		return SC_CORE_DROP;
	/* The same request always gets the same To tag, so a retransmitted
	 * request and its answer still match. */
	snprintf(tag, sizeof(tag), "sc%08lx",
		 (unsigned long)(sc_str_hash(SC_STR_HASH_INIT, m->call_id) & 0xffffffffu));
	n = sc_sip_reply(m, status, reason, warning, tag, o->buf, sizeof(o->buf));
	if (n < 0)
		return n;
	o->len = (size_t)n;
	return SC_CORE_REPLY;
}

/* Is method one of the n names in list? */
static bool method_in(sc_str method, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sc_str_eqz(method, list[i]))
			return true;
	return false;
}

/* Is the request initial (no To tag) and one that creates a dialog, so
 * that we must stay on its path? */
static bool creates_dialog(const struct sc_sip_msg *m)
{
	static const char *const methods[] = { "INVITE", "SUBSCRIBE", "REFER", "NOTIFY" };
	const struct sc_sip_hdr *h;
	struct sc_sip_addr a;
	sc_str tag;
	int k = -1;

	h = sc_sip_msg_next(m, SC_HDR_TO, &k);
	if (h && sc_sip_addr_parse(&a, h->value) == 0 && sc_sip_param_find(a.params, "tag", &tag))
		return false;
	return method_in(m->method, methods, sizeof(methods) / sizeof(methods[0]));
}

/* Does this message's Contact name where the device wants its dialog or
 * registration to be reached (B4)?  REGISTER and the requests that create
 * or refresh a dialog's target, OPTIONS (whose Contact a provider may use
 * to reach the device), and their provisional and 2xx responses.  A 3xx
 * Contact names somewhere else entirely and is left alone. */
static bool contact_is_target(const struct sc_sip_msg *m)
{
	static const char *const methods[] = { "REGISTER", "INVITE", "SUBSCRIBE", "REFER",
					       "NOTIFY",   "UPDATE", "OPTIONS" };
	if (!m->is_request && m->status >= 300)
		return false;
	return method_in(m->is_request ? m->method : m->cseq_method, methods,
			 sizeof(methods) / sizeof(methods[0]));
}

/* Max-Forwards one lower, or 70 when the request had none (RFC 3261
 * §16.6 step 3); the caller has already refused a request that arrived
 * with 0. */
static int max_forwards(const struct sc_sip_msg *m, char *scratch, size_t cap,
			struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	int k = -1, n;

	if (m->max_forwards < 0)
		return sc_edit_insert(ed, m->nhdrs ? m->hdrs[m->nhdrs - 1].end : m->start_line_end,
				      SC_STR_LIT("Max-Forwards: 70\r\n"));
	h = sc_sip_msg_next(m, SC_HDR_MAX_FORWARDS, &k);
	n = snprintf(scratch, cap, "%d", m->max_forwards > 0 ? m->max_forwards - 1 : 0);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return sc_edit_replace(ed, sc_str_off(h->value, m->buf), h->value.n,
			       sc_str_make(scratch, (size_t)n));
}

static int apply(const struct sc_sip_msg *m, const struct sc_edits *ed, struct sc_core_out *o)
{
	int rc = sc_edit_apply(m, ed, o->buf, sizeof(o->buf), &o->len);

	return rc < 0 ? rc : SC_CORE_FORWARD;
}

int sc_core_request_key(const struct sc_sip_msg *m, const struct sc_dev *dev,
			const struct sockaddr *src, uint64_t *key)
{
	uint64_t branch = 0;
	int rc = sc_outbound_key(m, dev->name, src, &branch);

	*key = rc < 0 ? 0 : sc_txn_key(branch, m->method);
	return rc < 0 ? rc : 0;
}

int sc_core_lan_request(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
			const struct sockaddr *src, enum sc_transport tp, uint64_t now,
			struct sc_core_out *o)
{
	struct sc_dev *d = dev;
	const char *resp = NULL;
	uint64_t key;
	size_t resp_len = 0;
	int rc;

	o->device = dev;
	o->link = 0;
	d->seen = true;
	sc_net_addr_copy(&d->src.ss, &d->src.len, src);
	d->tp = tp;
	if (m->max_forwards == 0)
		return sc_core_reply(m, 483, "Too Many Hops", NULL, o);
	if (sc_str_eqz(m->method, "ACK"))
		return SC_CORE_FORWARD;
	rc = sc_core_request_key(m, dev, src, &key);
	if (rc < 0)
		return rc;
	rc = sc_txn_request(&c->txns, key, now, &resp, &resp_len);
	if (rc < 0)
		return rc;
	if (rc == SC_TXN_NEW && sc_str_eqz(m->method, "REGISTER"))
		sc_register_sent(d, m, key, src, tp);
	if (rc == SC_TXN_NEW)
		return SC_CORE_FORWARD;
	c->st.retransmissions++;
	if (!resp) {
		/* The relay sends it again if the connection it went out on
		 * has gone since (o->link says which). */
		o->link = sc_txn_link(&c->txns, key);
		o->why = "retransmission, no response yet";
		return SC_CORE_DROP;
	}
	memcpy(o->buf, resp, resp_len);
	o->len = resp_len;
	return SC_CORE_REPLY;
}

int sc_core_sent(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, enum sc_transport tp, uint64_t link, const char *req,
		 size_t len, uint64_t now)
{
	bool invite = sc_str_eqz(m->method, "INVITE");
	uint64_t key;
	int rc;

	if (sc_str_eqz(m->method, "ACK"))
		return 0;
	rc = sc_core_request_key(m, dev, src, &key);
	/* A UDP device repeats a non-INVITE until it hears back (an INVITE
	 * stops at our 100 Trying). */
	return rc < 0 ? rc
		      : sc_txn_sent(&c->txns, key, link, invite, !invite && tp == SC_TP_UDP, req,
				    len, now);
}

void sc_core_link_lost(struct sc_core *c, uint64_t id, uint64_t now)
{
	(void)sc_txn_link_lost(&c->txns, id, now);
}

int sc_core_outbound(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		     const struct sockaddr *src, enum sc_transport tp, const char *wan,
		     struct sc_core_out *o)
{
	const char *name = dev->name;
	struct sc_edits ed;
	char via[512], rcv[96], mf[8], rr[512], ct[1024], first[128], second[128], cseq[48];
	int rc;

	o->device = dev;
	sc_edit_init(&ed);
	rc = sc_outbound_via_add(m, name, src, tp, sc_str_cstr(wan), via, sizeof(via), &ed);
	if (rc >= 0)
		rc = sc_outbound_via_received(m, src, rcv, sizeof(rcv), &ed);
	if (rc >= 0)
		rc = max_forwards(m, mf, sizeof(mf), &ed);
	/* Above a replay of its registration (B7, register.h). */
	if (rc >= 0 && sc_str_eqz(m->method, "REGISTER") && sc_register_shifted(dev, m))
		rc = sc_register_cseq(m, (long)dev->reg_shift, cseq, sizeof(cseq), &ed);
	if (rc >= 0)
		rc = sc_route_consume(m, c->self, 2, &ed);
	if (rc >= 0 && creates_dialog(m)) {
		snprintf(first, sizeof(first), "%s;transport=tls", wan);
		snprintf(second, sizeof(second), "%s%s", c->lan[tp],
			 tp == SC_TP_TCP ? ";transport=tcp" : "");
		rc = sc_route_record(m, first, second, rr, sizeof(rr), &ed);
	}
	if (rc >= 0 && contact_is_target(m))
		rc = sc_contact_rewrite(m, name, sc_str_cstr(wan), ct, sizeof(ct), &ed);
	return rc < 0 ? rc : apply(m, &ed, o);
}

int sc_core_fail(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, int status, const char *reason, const char *warning,
		 uint64_t now, struct sc_core_out *o)
{
	uint64_t key;
	int rc = sc_core_reply(m, status, reason, warning, o);

	o->device = dev;
	if (rc != SC_CORE_REPLY)
		return rc;
	/* A retransmission of the request gets the same answer (B9); a table
	 * without room only costs that. */
	if (sc_core_request_key(m, dev, src, &key) == 0)
		(void)sc_txn_answer(&c->txns, key, status, o->buf, o->len, now);
	return rc;
}

int sc_core_trying(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		   const struct sockaddr *src, uint64_t now, struct sc_core_out *o)
{
	return sc_core_fail(c, m, dev, src, 100, "Trying", NULL, now, o);
}

int sc_core_lan_response(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
			 const char *wan, struct sc_core_out *o)
{
	struct sc_edits ed;
	char ct[1024];
	int rc;

	o->device = dev;
	sc_edit_init(&ed);
	rc = sc_inbound_via_pop(m, &o->link, &ed);
	if (rc == -ENOENT) {
		c->st.not_ours++;
		o->why = "response without our Via";
		return SC_CORE_DROP;
	}
	if (rc >= 0 && contact_is_target(m))
		rc = sc_contact_rewrite(m, dev->name, sc_str_cstr(wan), ct, sizeof(ct), &ed);
	return rc < 0 ? rc : apply(m, &ed, o);
}

/* Where on the LAN a request for device dev goes: for a Contact token,
 * where that Contact was registered from (register.h: its line); else
 * where the device last sent from (that is where a device behind NAT or
 * with a moving port can be reached), else the address in its Contact when
 * the device's match covers it, else its static address. */
/* The address in token tok, when the device's match covers it. */
static bool token_addr(const struct sc_dev *d, const struct sc_contact_token *tok,
		       struct sc_net_addr *at)
{
	return tok && sc_net_addr_parse(tok->hostport, 5060, at) == 0 &&
	       sc_net_match_addr(&d->conf->match, (const struct sockaddr *)&at->ss);
}

static int lan_destination(const struct sc_dev *d, const struct sc_contact_token *tok,
			   struct sc_core_out *o)
{
	const struct sc_conf_device *cd = d->conf;
	const struct sc_dev_line *l = tok ? sc_register_line(d, tok->hostport) : NULL;
	struct sc_net_addr at;

	/* The Contact addressed, where it registered from (a two-line ATA:
	 * line 1 rings line 1). */
	if (l || d->seen) {
		o->dst = l ? l->src : d->src;
		o->tp = l ? l->tp : d->tp;
		/* A Contact that says TCP (a dialog's, after a request came over
		 * TCP for its size) is reached over TCP. */
		if (tok && sc_str_caseeqz(sc_str_cstr(tok->transport), "tcp"))
			o->tp = SC_TP_TCP;
		/* Over TCP its own connection is used while it lasts; when it
		 * has closed, a new one goes to where the device listens
		 * (RFC 3261 §18.2.2): its Contact, or its static address. */
		if (o->tp == SC_TP_TCP && token_addr(d, tok, &at))
			o->dst = at;
		else if (o->tp == SC_TP_TCP && cd->has_address)
			o->dst = cd->address;
		return 0;
	}
	if (token_addr(d, tok, &at)) {
		o->dst = at;
		o->tp = sc_str_caseeqz(sc_str_cstr(tok->transport), "tcp") ? SC_TP_TCP : SC_TP_UDP;
		return 0;
	}
	if (cd->has_address) {
		o->dst = cd->address;
		o->tp = SC_TP_UDP;
		return 0;
	}
	return -ENOENT;
}

int sc_core_wan_request(struct sc_core *c, const struct sc_sip_msg *m,
			const struct sc_core_link *lk, struct sc_core_out *o)
{
	struct sc_contact_token tok;
	struct sc_trust_src ts;
	struct sc_edits ed;
	struct sc_sip_uri ru;
	char via[256], mf[8], rr[512], first[128], second[128];
	uint64_t key = 0;
	struct sc_dev *dev = NULL;
	bool have_tok = false, have_line = false;
	int rc;
	size_t i;

	/* B15: only an upstream reaches a device. */
	if (!lk->upstream) {
		c->st.unattributed++;
		o->unattributed = true;
		o->why = "the connection belongs to no upstream";
		return sc_core_reply(m, 403, "Forbidden", NULL, o);
	}
	if (m->max_forwards == 0)
		return sc_core_reply(m, 483, "Too Many Hops", NULL, o);
	sc_edit_init(&ed);
	rc = sc_route_consume(m, c->self, 2, &ed);
	if (rc < 0)
		return rc;
	/* By token first: with per-device flows sharing one alias at the
	 * provider, a request for one device may come on another's flow. */
	rc = sc_contact_restore(m, &tok, &ed);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		have_tok = true;
		dev = sc_devices_find(&c->reg, tok.device);
		if (dev && dev->up != lk->upstream) {
			c->st.other_upstream++;
			o->why = "a token for a device of another upstream";
			return sc_core_reply(m, 403, "Forbidden", NULL, o);
		}
	} else if (sc_sip_uri_parse(&ru, m->ruri) == 0 && ru.is_sip && sc_str_set(ru.user)) {
		/* By AOR: the line that registered it (a two-line ATA: line 1
		 * rings line 1), sent as if its Contact had been addressed. */
		const struct sc_dev_line *l = sc_register_aor(&c->reg, lk->upstream, ru.user, &dev);

		if (l) {
			rc = sc_edit_replace(&ed, sc_str_off(m->ruri, m->buf), m->ruri.n,
					     sc_str_cstr(l->contact));
			if (rc < 0)
				return rc;
			memset(&tok, 0, sizeof(tok));
			snprintf(tok.hostport, sizeof(tok.hostport), "%s", l->hostport);
			have_line = true;
		}
	}
	for (i = 0; i < c->reg.ndev && !dev && !have_tok; i++) {
		struct sc_dev *d = c->reg.dev[i];

		if (d->conf->has_address && d->up == lk->upstream)
			dev = d;
	}
	if (!dev) {
		c->st.no_device++;
		o->why = "no device for this request";
		return sc_core_reply(m, 404, "Not Found", NULL, o);
	}
	o->device = dev;
	if (lan_destination(dev, have_tok || have_line ? &tok : NULL, o) < 0) {
		o->why = "the device has not been seen yet";
		return sc_core_reply(m, 480, "Temporarily Unavailable", NULL, o);
	}
	if (c->force_tcp)
		o->tp = SC_TP_TCP;
	rc = sc_inbound_via_add(m, lk->id, o->tp, sc_str_cstr(c->lan[o->tp]), via, sizeof(via),
				&ed, &key);
	o->branch_key = key;
	o->key = sc_txn_key(key, m->method);
	if (rc >= 0)
		rc = max_forwards(m, mf, sizeof(mf), &ed);
	ts.tls = lk->tls;
	ts.verified = lk->verified;
	ts.upstream = lk->upstream ? lk->upstream->conf : NULL;
	if (rc >= 0)
		rc = sc_trust_edits(m, sc_trust_should_mark(m, &ts, dev->conf), dev->conf, &ed);
	if (rc >= 0 && creates_dialog(m)) {
		snprintf(first, sizeof(first), "%s%s", c->lan[o->tp],
			 o->tp == SC_TP_TCP ? ";transport=tcp" : "");
		snprintf(second, sizeof(second), "%s;transport=tls", lk->wan);
		rc = sc_route_record(m, first, second, rr, sizeof(rr), &ed);
	}
	return rc < 0 ? rc : apply(m, &ed, o);
}

int sc_core_wan_response(struct sc_core *c, const struct sc_sip_msg *m, uint64_t now,
			 struct sc_core_out *o)
{
	struct sc_via_token t;
	struct sc_edits ed;
	struct sc_dev *dev;
	char regs[96];
	uint64_t key;
	bool reg = sc_str_eqz(m->cseq_method, "REGISTER");
	int rc;

	sc_edit_init(&ed);
	o->notice = false;
	rc = sc_outbound_via_pop(m, &t, &ed);
	if (rc == -ENOENT || rc == -EBADMSG) {
		c->st.unknown_txn++;
		o->why = "response for no request of ours";
		return SC_CORE_DROP;
	}
	if (rc < 0)
		return rc;
	if (m->status == 100) {
		/* Hop by hop (RFC 3261 §16.7): the device had ours.  It still
		 * says the INVITE is being worked on (Timer C, B13). */
		(void)sc_txn_response(&c->txns, sc_txn_key(t.key, m->cseq_method), 100, NULL, 0,
				      now);
		o->why = "100 Trying is not forwarded";
		return SC_CORE_DROP;
	}
	dev = sc_devices_find(&c->reg, t.device);
	if (!dev) {
		c->st.unknown_txn++;
		o->why = "response for a device no longer configured";
		return SC_CORE_DROP;
	}
	o->device = dev;
	o->dst = t.src;
	o->tp = t.transport;
	key = sc_txn_key(t.key, m->cseq_method);
	if (reg && sc_txn_replay(&c->txns, key)) {
		/* The answer to our replay of its registration (B7): ours. */
		rc = sc_txn_response(&c->txns, key, m->status, m->buf, m->len, now);
		o->why = rc < 0 || m->status < 200 ? "a provisional answer to a replayed REGISTER"
						   : sc_register_replayed(dev, m->status);
		o->notice = m->status >= 200;
		return SC_CORE_DROP;
	}
	if (reg)
		rc = sc_register_response(dev, m, regs, sizeof(regs), &ed);
	if (rc >= 0)
		rc = apply(m, &ed, o);
	if (rc < 0)
		return rc;
	/* An ACK has no response; everything else must match a transaction
	 * still in the table (B9). */
	rc = sc_txn_response(&c->txns, key, m->status, o->buf, o->len, now);
	if (rc == 0 && reg && m->status >= 200 && m->status < 300)
		sc_register_accepted(dev, key);
	if (rc == -ENOENT) {
		c->st.unknown_txn++;
		o->why = "response for an unknown transaction";
		return SC_CORE_DROP;
	}
	if (rc == SC_TXN_LATE) {
		c->st.late++;
		o->why = "a response after its transaction ended";
		return SC_CORE_DROP;
	}
	return rc < 0 ? rc : SC_CORE_FORWARD;
}

/* ---- the verdicts the I/O edges carry out ---- */

int sc_core_lan_input(struct sc_core *c, const char *buf, size_t len, const struct sockaddr *src,
		      enum sc_transport tp, struct sc_dev *dev, uint64_t now,
		      struct sc_core_out *o)
{
	struct sc_sip_msg *m = &c->msg;
	uint64_t key, id;
	const char *wan;
	int rc, n = -1;

	o->why = NULL;
	o->device = dev;
	o->resend = false;
	o->malformed = false;
	rc = sc_sip_msg_parse(m, buf, len);
	if (rc < 0) {
		c->st.malformed++;
		o->malformed = true;
		/* B8: a 400 where one can be built, to a device only (a
		 * stranger's junk gets nothing). */
		if (dev && rc == -EBADMSG)
			n = sc_sip_reply_bad(buf, len, "399 sipsidecar \"malformed request\"", "sc400",
					     o->buf, sizeof(o->buf));
		o->why = rc == -EMSGSIZE ? "too large" : "does not parse";
		if (n <= 0)
			return SC_CORE_DROP;
		o->len = (size_t)n;
		return SC_CORE_REPLY;
	}
	if (!dev) {
		/* B1: never an open relay. */
		c->st.unknown_source++;
		o->why = "not a configured device (or outside lan.allow)";
		if (tp != SC_TP_TCP)
			return SC_CORE_DROP;
		return sc_core_reply(m, 403, "Forbidden",
				     "399 sipsidecar \"source is not a configured device\"", o);
	}
	if (!m->is_request) {
		if (sc_inbound_branch(m, &key, &id) < 0) {
			c->st.not_ours++;
			o->why = "a response that is not for us";
			return SC_CORE_DROP;
		}
		(void)sc_retx_stop(&c->retx, sc_txn_key(key, m->cseq_method));
		c->retx_prev = NULL; /* it may have been that one */
		wan = c->link_wan ? c->link_wan(c->link_arg, id) : NULL;
		if (!wan) {
			o->why = "the connection its response belongs to has closed";
			return SC_CORE_DROP;
		}
		return sc_core_lan_response(c, m, dev, wan, o);
	}
	rc = sc_core_lan_request(c, m, dev, src, tp, now, o);
	if (rc == -EBADMSG)
		return sc_core_reply(m, 400, "Bad Request", NULL, o);
	if (rc == SC_CORE_FORWARD)
		return SC_CORE_SUBMIT;
	if (rc == SC_CORE_DROP && o->link && !(c->link_wan && c->link_wan(c->link_arg, o->link))) {
		/* A retransmission of a request whose connection dropped
		 * before any answer: the first went nowhere, send this one.
		 * It has not gone out either until sc_core_forward names its
		 * new link: till then later copies are absorbed, not queued
		 * again (B9). */
		(void)sc_core_sent(c, m, dev, src, tp, 0, NULL, 0, now);
		o->resend = true;
		o->why = "lost with its connection, sending it again";
		return SC_CORE_SUBMIT;
	}
	return rc;
}

int sc_core_plan(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, const struct sc_core_flow *f, uint64_t now,
		 struct sc_core_out *o)
{
	bool invite = sc_str_eqz(m->method, "INVITE");

	o->trying = SC_CORE_TRYING_NONE;
	if (f->open) {
		/* Our 100 goes after the INVITE, so it never delays it. */
		if (invite)
			o->trying = SC_CORE_TRYING_AFTER;
		return SC_CORE_SEND;
	}
	if (f->refusing)
		return sc_core_fail(c, m, dev, src, 503, "Service Unavailable", f->warning, now, o);
	if (f->queue_full)
		return sc_core_fail(c, m, dev, src, 503, "Service Unavailable",
				    "399 sipsidecar \"too many requests waiting for the upstream\"",
				    now, o);
	/* Before, when the INVITE has to wait for the flow (whose failure
	 * answers it at once). */
	if (invite)
		o->trying = SC_CORE_TRYING_BEFORE;
	return SC_CORE_QUEUE;
}

int sc_core_forward(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		    const struct sockaddr *src, enum sc_transport tp, uint64_t link,
		    const char *wan, uint64_t now, struct sc_core_out *o)
{
	int rc = sc_core_outbound(c, m, dev, src, tp, wan, o);

	if (rc == SC_CORE_FORWARD) {
		(void)sc_core_sent(c, m, dev, src, tp, link, o->buf, o->len, now);
		return rc;
	}
	o->why = "the request cannot be rewritten";
	return sc_core_fail(c, m, dev, src, 400, "Bad Request", NULL, now, o);
}

int sc_core_lost(struct sc_core *c, const struct sc_sip_msg *m, struct sc_dev *dev,
		 const struct sockaddr *src, const char *warning, uint64_t now,
		 struct sc_core_out *o)
{
	return sc_core_fail(c, m, dev, src, 503, "Service Unavailable",
			    warning ? warning : "399 sipsidecar \"upstream connection lost\"", now, o);
}

int sc_core_wan_input(struct sc_core *c, const char *buf, size_t len,
		      const struct sc_core_link *lk, uint64_t now, struct sc_core_out *o)
{
	struct sc_sip_msg *m = &c->msg;
	int rc;

	o->why = NULL;
	o->malformed = false;
	o->notice = false;
	o->unattributed = false;
	o->alt = NULL;
	rc = sc_sip_msg_parse(m, buf, len);
	if (rc < 0) {
		c->st.malformed++;
		o->malformed = true;
		o->why = rc == -EMSGSIZE ? "too large" : "does not parse";
		return SC_CORE_DROP;
	}
	if (!m->is_request && !lk->upstream) {
		c->st.unattributed++;
		o->why = "a response on a connection of no upstream";
		return SC_CORE_DROP;
	}
	if (!m->is_request)
		return sc_core_wan_response(c, m, now, o);
	rc = sc_mtu_wan_request(c, m, lk, o);
	if (rc == -EBADMSG)
		return sc_core_reply(m, 400, "Bad Request", NULL, o);
	if (rc == SC_CORE_FORWARD && o->tp == SC_TP_UDP && !sc_str_eqz(m->method, "ACK"))
		(void)sc_retx_add(&c->retx, o->key, sc_str_eqz(m->method, "INVITE"), &o->dst,
				  o->buf, o->len, now);
	return rc;
}

int sc_core_undeliverable(struct sc_core *c, const char *buf, size_t len, struct sc_core_out *o)
{
	/* buf: the request again, from a copy that waited for a connection. */
	if (buf && sc_sip_msg_parse(&c->msg, buf, len) < 0)
		return SC_CORE_DROP;
	if (!c->msg.is_request)
		return SC_CORE_DROP;
	o->why = "no connection to the device";
	return sc_core_reply(&c->msg, 480, "Temporarily Unavailable", NULL, o);
}

void sc_core_malformed(struct sc_core *c)
{
	c->st.malformed++;
}
