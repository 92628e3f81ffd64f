/* Registrations and their replay (SPEC B5, B7): see register.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sip/uri.h"
#include "../sip/via.h"
#include "register.h"

bool sc_register_removes(const struct sc_sip_msg *m, const struct sc_sip_addr *contact)
{
	const struct sc_sip_hdr *h;
	sc_str v;
	int k = -1;

	if (contact->star)
		return true;
	if (sc_sip_param_find(contact->params, "expires", &v))
		return sc_str_eqz(v, "0");
	h = sc_sip_msg_next(m, SC_HDR_EXPIRES, &k);
	return h && sc_str_eqz(h->value, "0");
}

/* What a REGISTER does to its AOR's bindings. */
enum reg_kind {
	REG_QUERY = -1,  /* no Contact (or none that parses): asks, changes nothing */
	REG_REMOVES = 0,
	REG_BINDS = 1,
};

/* What a REGISTER does, by its first Contact (its lines, each with the AOR
 * and Contact it registers, are kept by lines() below). */
static enum reg_kind reg_kind(const struct sc_sip_msg *m)
{
	const struct sc_sip_hdr *ct;
	struct sc_sip_addr c;
	sc_str first;
	size_t pos = 0;
	int j = -1;

	ct = sc_sip_msg_next(m, SC_HDR_CONTACT, &j);
	if (!ct || sc_sip_split(ct->value, &pos, &first) != 1 || sc_sip_addr_parse(&c, first) < 0)
		return REG_QUERY;
	return sc_register_removes(m, &c) ? REG_REMOVES : REG_BINDS;
}

const struct sc_dev_line *sc_register_line(const struct sc_dev *d, const char *hostport)
{
	size_t i;

	for (i = 0; i < SC_DEV_LINES; i++)
		if (d->lines[i].hostport[0] && strcasecmp(d->lines[i].hostport, hostport) == 0)
			return &d->lines[i];
	return NULL;
}

const struct sc_dev_line *sc_register_aor(const struct sc_devices *reg, const struct sc_up *up,
					  sc_str user, struct sc_dev **dev)
{
	size_t i, j;

	for (i = 0; i < reg->ndev; i++)
		for (j = 0; j < SC_DEV_LINES && reg->dev[i]->up == up; j++) {
			const struct sc_dev_line *l = &reg->dev[i]->lines[j];

			if (l->aor[0] && l->contact[0] && sc_str_eqz(user, l->aor)) {
				*dev = reg->dev[i];
				return l;
			}
		}
	return NULL;
}

/* Each Contact of the REGISTER, with where it came from: a request for
 * that Contact goes there (B5; a two-line ATA on one address registers
 * each line from its own port).  A removal forgets the line. */
static void lines(struct sc_dev *d, const struct sc_sip_msg *m, const struct sockaddr *src,
		  enum sc_transport tp)
{
	const struct sc_sip_hdr *h, *to;
	struct sc_sip_addr a, t;
	struct sc_dev_line *l;
	sc_str one, hp, user = { NULL, 0 };
	size_t pos, i;
	int k = -1;

	/* The AOR each line registers, for requests addressed to it (B5). */
	to = sc_sip_msg_next(m, SC_HDR_TO, &k);
	if (to && sc_sip_addr_parse(&t, to->value) == 0 && t.uri.is_sip)
		user = t.uri.user;
	k = -1;

	while ((h = sc_sip_msg_next(m, SC_HDR_CONTACT, &k)) != NULL) {
		pos = 0;
		while (sc_sip_split(h->value, &pos, &one) == 1) {
			if (sc_sip_addr_parse(&a, one) < 0 || a.star) {
				memset(d->lines, 0, sizeof(d->lines));
				return;
			}
			if (!a.uri.is_sip)
				continue;
			hp = sc_str_make(a.uri.host.p,
					 (size_t)((sc_str_set(a.uri.port) ? a.uri.port.p + a.uri.port.n
									  : a.uri.host.p + a.uri.host.n) -
						  a.uri.host.p));
			if (hp.n >= sizeof(d->lines[0].hostport))
				continue;
			for (i = 0, l = NULL; i < SC_DEV_LINES && !l; i++)
				if (d->lines[i].hostport[0] && strlen(d->lines[i].hostport) == hp.n &&
				    strncasecmp(d->lines[i].hostport, hp.p, hp.n) == 0)
					l = &d->lines[i];
			for (i = 0; i < SC_DEV_LINES && !l; i++)
				if (!d->lines[i].hostport[0])
					l = &d->lines[i];
			if (!l)
				l = &d->lines[d->next_line++ % SC_DEV_LINES];
			memset(l, 0, sizeof(*l));
			if (sc_register_removes(m, &a))
				continue;
			memcpy(l->hostport, hp.p, hp.n);
			sc_net_addr_copy(&l->src.ss, &l->src.len, src);
			l->tp = tp;
			if (sc_str_set(user) && user.n < sizeof(l->aor) &&
			    a.uri_str.n < sizeof(l->contact)) {
				memcpy(l->aor, user.p, user.n);
				memcpy(l->contact, a.uri_str.p, a.uri_str.n);
			}
		}
	}
}

void sc_register_sent(struct sc_dev *d, const struct sc_sip_msg *m, uint64_t key,
		      const struct sockaddr *src, enum sc_transport tp)
{
	enum reg_kind kind = reg_kind(m);
	char *copy = NULL;

	lines(d, m, src, tp);
	if (kind == REG_QUERY)
		return;
	/* A binding is kept as the device sent it: a copy costs a
	 * retransmission's worth of memory, once per REGISTER; without room
	 * the replay keeps the older one.  A removal needs no copy. */
	if (kind == REG_BINDS) {
		copy = malloc(m->len ? m->len : 1);
		if (!copy)
			return;
		memcpy(copy, m->buf, m->len);
	}
	free(d->pending);
	d->pending = copy;
	d->pending_len = copy ? m->len : 0;
	d->pending_key = key;
	d->pending_callid_off = sc_str_off(m->call_id, m->buf);
	d->pending_callid_len = m->call_id.n;
	sc_net_addr_copy(&d->pending_src.ss, &d->pending_src.len, src);
	d->pending_tp = tp;
}

void sc_register_accepted(struct sc_dev *d, uint64_t key)
{
	sc_str callid;

	if (!d->pending_key || d->pending_key != key)
		return;
	free(d->reg);
	d->reg = NULL;
	d->reg_len = 0;
	if (d->pending) {
		/* A binding: the registration to replay from now on. */
		callid = sc_str_make(d->pending + d->pending_callid_off, d->pending_callid_len);
		if (callid.n >= sizeof(d->reg_callid) || !sc_str_eqz(callid, d->reg_callid))
			d->reg_shift = 0; /* a new Call-ID starts its own CSeq */
		if (callid.n < sizeof(d->reg_callid)) {
			memcpy(d->reg_callid, callid.p, callid.n);
			d->reg_callid[callid.n] = '\0';
		} else {
			d->reg_callid[0] = '\0';
		}
		d->reg = d->pending;
		d->reg_len = d->pending_len;
		d->reg_src = d->pending_src;
		d->reg_tp = d->pending_tp;
	}
	d->pending = NULL;
	d->pending_len = 0;
	d->pending_key = 0;
}

int sc_register_replay(const struct sc_dev *d, unsigned n, char *out, size_t cap)
{
	struct sc_sip_msg *m;
	const struct sc_sip_hdr *h;
	struct sc_sip_via v;
	sc_str top;
	size_t pos, off, w;
	int rc = -EBADMSG, b;

	if (!d->reg)
		return -ENOENT;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (sc_sip_msg_parse(m, d->reg, d->reg_len) == 0 &&
	    sc_sip_via_top(m, &h, &pos, &top, &v) == 0 && sc_str_set(v.branch)) {
		/* The same request but for the branch: a new transaction. */
		off = sc_str_off(v.branch, d->reg);
		b = snprintf(out, cap, "%.*sz9hG4bK-screplay%x", (int)off, d->reg, n);
		w = off + v.branch.n;
		rc = b < 0 || (size_t)b + (d->reg_len - w) >= cap ? -ENOSPC : b;
		if (rc > 0) {
			memcpy(out + b, d->reg + w, d->reg_len - w);
			rc = (int)((size_t)b + d->reg_len - w);
		}
	}
	free(m);
	return rc;
}

bool sc_register_shifted(const struct sc_dev *d, const struct sc_sip_msg *m)
{
	return d->reg_shift && d->reg_callid[0] && sc_str_eqz(m->call_id, d->reg_callid);
}

int sc_register_cseq(const struct sc_sip_msg *m, long delta, char *scratch, size_t cap,
		     struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	long v = (long)m->cseq + delta;
	int k = -1, n;

	h = sc_sip_msg_next(m, SC_HDR_CSEQ, &k);
	if (!h)
		return -EBADMSG;
	n = snprintf(scratch, cap, "%ld %.*s", v > 0 ? v : 1, (int)m->cseq_method.n,
		     m->cseq_method.p);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return sc_edit_replace(ed, sc_str_off(h->value, m->buf), h->value.n,
			       sc_str_make(scratch, (size_t)n));
}

/* Writes max over number v (a slice of m) when v is above it. */
static int cap_value(const struct sc_sip_msg *m, sc_str v, unsigned max, const char *text,
		     struct sc_edits *ed)
{
	unsigned long x = 0;
	size_t i;

	for (i = 0; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && x <= max; i++)
		x = x * 10 + (unsigned long)(v.p[i] - '0');
	if (x <= max && i == v.n)
		return 0;
	return sc_edit_replace(ed, sc_str_off(v, m->buf), v.n, sc_str_cstr(text));
}

int sc_register_cap(const struct sc_sip_msg *m, unsigned max, char *scratch, size_t cap,
		    struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_addr a;
	sc_str one, v;
	size_t pos;
	int k = -1, rc = 0, n;
	bool any = false;

	n = snprintf(scratch, cap, "%u", max);
	if (n < 0 || (size_t)n + 24 >= cap)
		return -ENOSPC;
	while (rc == 0 && (h = sc_sip_msg_next(m, SC_HDR_CONTACT, &k)) != NULL) {
		pos = 0;
		while (rc == 0 && sc_sip_split(h->value, &pos, &one) == 1)
			if (sc_sip_addr_parse(&a, one) == 0 &&
			    sc_sip_param_find(a.params, "expires", &v)) {
				any = true;
				rc = cap_value(m, v, max, scratch, ed);
			}
	}
	k = -1;
	h = sc_sip_msg_next(m, SC_HDR_EXPIRES, &k);
	if (rc == 0 && h)
		rc = cap_value(m, h->value, max, scratch, ed);
	if (rc == 0 && !h && !any) {
		/* The registrar named no expiry: the device would keep its own. */
		n = snprintf(scratch + n + 1, cap - (size_t)n - 1, "Expires: %u\r\n", max);
		rc = sc_edit_insert(ed, m->hdrs[m->nhdrs - 1].end,
				    sc_str_make(scratch + strlen(scratch) + 1, (size_t)n));
	}
	return rc;
}

const char *sc_register_replayed(struct sc_dev *d, int status)
{
	if (status >= 200 && status < 300)
		return "its registration was replayed on the new flow and accepted (B7)";
	if (status == 401 || status == 407) {
		d->up->replay_challenged = true;
		return "the upstream challenged the replay of its registration, which only the "
		       "device can answer: from now on its devices get at most reregister_max, "
		       "so that their own refresh restores a lost registration soon";
	}
	return "the replay of its registration was refused by the upstream";
}

int sc_register_response(const struct sc_dev *d, const struct sc_sip_msg *m, char *scratch,
			 size_t cap, struct sc_edits *ed)
{
	size_t half = cap / 2;
	int rc = 0;

	if (sc_register_shifted(d, m))
		rc = sc_register_cseq(m, -(long)d->reg_shift, scratch, half, ed);
	if (rc == 0 && d->up->replay_challenged && m->status >= 200 && m->status < 300)
		rc = sc_register_cap(m, d->up->conf->reregister_max, scratch + half, cap - half, ed);
	return rc;
}
