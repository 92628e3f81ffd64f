/* The sidecar's own Via (SPEC B3).  See outbound.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../net/addr.h"
#include "../sip/uri.h"
#include "../sip/via.h"
#include "contact.h"
#include "outbound.h"

/* The device's transaction (sc_sip_via_txn_hash) as seen from src, for
 * this device: two devices, or one device from two addresses, never share
 * a key. */
int sc_outbound_key(const struct sc_sip_msg *m, const char *device, const struct sockaddr *src,
		    uint64_t *key)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_via v;
	sc_str top;
	size_t pos;

	if (!sc_net_addr_len(src))
		return -EINVAL;
	if (sc_sip_via_top(m, &h, &pos, &top, &v) < 0)
		return -EBADMSG;
	*key = sc_sip_via_txn_hash(
		sc_net_addr_hash(sc_str_hash(SC_STR_HASH_INIT, sc_str_cstr(device)), src), m, &v, top);
	return 0;
}

int sc_outbound_key_parse(sc_str branch, uint64_t *key)
{
	if (branch.n != 10 + 16 || memcmp(branch.p, "z9hG4bK-sc", 10) != 0 ||
	    sc_str_hex64(sc_str_make(branch.p + 10, 16), key) < 0)
		return -ENOENT;
	return 0;
}

int sc_outbound_via_add(const struct sc_sip_msg *m, const char *device,
			const struct sockaddr *src, enum sc_transport transport, sc_str sent_by,
			char *scratch, size_t cap, struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	char where[64], tok[SC_CONTACT_TOKEN_MAX];
	uint64_t key;
	int i = -1, n, tn, rc;

	rc = sc_outbound_key(m, device, src, &key);
	if (rc < 0)
		return rc;
	n = sc_net_addr_text(src, where, sizeof(where));
	if (n < 0)
		return n;
	/* The contact token's shape with an empty third field; "u" or "t" is
	 * appended below as the transport. */
	tn = sc_contact_token_make(device, sc_str_make(where, (size_t)n), SC_STR_LIT(""), tok,
				   sizeof(tok));
	if (tn < 0)
		return tn;
	/* rport (RFC 3581) and alias (RFC 5923): the provider answers, and
	 * sends its own requests, over this very connection. */
	n = snprintf(scratch, cap,
		     "Via: SIP/2.0/TLS %.*s;branch=z9hG4bK-sc%016llx;rport;alias;sc=%.*s%c\r\n",
		     (int)sent_by.n, sent_by.p, (unsigned long long)key, tn, tok,
		     transport == SC_TP_TCP ? 't' : 'u');
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	h = sc_sip_msg_next(m, SC_HDR_VIA, &i);
	return sc_edit_insert(ed, h->start, sc_str_make(scratch, (size_t)n));
}

int sc_outbound_via_received(const struct sc_sip_msg *m, const struct sockaddr *src,
			     char *scratch, size_t cap, struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_via v;
	unsigned char a[16], b[16];
	char host[64], sent[64];
	bool asked, same = false;
	sc_str top;
	size_t pos, half = cap / 2;
	int n, rc;

	if (sc_sip_via_top(m, &h, &pos, &top, &v) < 0)
		return -EBADMSG;
	n = sc_net_host_text(src, host, sizeof(host));
	if (n < 0)
		return n;
	if (host[0] == '[') { /* received takes an IPv6 address bare */
		memmove(host, host + 1, (size_t)n - 2);
		host[n - 2] = '\0';
	}
	/* A sent-by that is a name, or longer than any address, is not the
	 * source. */
	if (v.host.n < sizeof(sent)) {
		size_t an, bn;

		memcpy(sent, v.host.p, v.host.n);
		sent[v.host.n] = '\0';
		an = sc_net_ip_parse(sent, a);
		bn = sc_net_ip_parse(host, b);
		same = an != 0 && an == bn && memcmp(a, b, an) == 0;
	}
	asked = sc_str_set(v.rport) && v.rport.n == 0;
	if (asked) {
		n = snprintf(scratch, half, "=%u", (unsigned)sc_net_addr_port(src));
		if (n < 0 || (size_t)n >= half)
			return -ENOSPC;
		rc = sc_edit_insert(ed, sc_str_off(v.rport, m->buf), sc_str_make(scratch, (size_t)n));
		if (rc < 0)
			return rc;
	}
	if (sc_str_set(v.received) || (same && !asked))
		return 0;
	n = snprintf(scratch + half, cap - half, ";received=%s", host);
	if (n < 0 || (size_t)n >= cap - half)
		return -ENOSPC;
	return sc_edit_insert(ed, sc_str_off(top, m->buf) + top.n,
			      sc_str_make(scratch + half, (size_t)n));
}

/* Parses "DEVICE~HEX(addr)~u|t" into t. */
static int via_token(sc_str v, struct sc_via_token *t)
{
	struct sc_contact_token ct;

	if (v.n < 2 || (v.p[v.n - 1] != 'u' && v.p[v.n - 1] != 't') || v.p[v.n - 2] != '~' ||
	    sc_contact_token_parse(sc_str_make(v.p, v.n - 1), &ct) < 0)
		return -EBADMSG;
	t->device = ct.device;
	t->transport = v.p[v.n - 1] == 't' ? SC_TP_TCP : SC_TP_UDP;
	/* Always address:port: we wrote it (sc_outbound_via_add). */
	return sc_net_addr_parse(ct.hostport, 0, &t->src) < 0 ? -EBADMSG : 0;
}

int sc_outbound_via_pop(const struct sc_sip_msg *m, struct sc_via_token *t, struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_via v;
	sc_str top, next, tok;
	size_t pos;

	if (sc_sip_via_top(m, &h, &pos, &top, &v) < 0 || sc_outbound_key_parse(v.branch, &t->key) < 0 || !sc_sip_param_find(v.params, "sc", &tok))
		return -ENOENT;
	if (via_token(tok, t) < 0)
		return -EBADMSG;
	/* Ours is the whole header line, or the first value of a combined
	 * header: then it goes up to the next value. */
	if (sc_sip_split(h->value, &pos, &next) != 1)
		return sc_edit_delete(ed, h->start, h->end - h->start);
	return sc_edit_delete(ed, sc_str_off(top, m->buf),
			      sc_str_off(next, m->buf) - sc_str_off(top, m->buf));
}
