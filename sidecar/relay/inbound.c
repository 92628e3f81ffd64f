/* The sidecar's Via on requests towards devices (SPEC B5).  See inbound.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../sip/uri.h"
#include "../sip/via.h"
#include "inbound.h"

#define BRANCH_PREFIX "z9hG4bK-sci"

/* The provider's top Via as one slice of a possibly combined header. */
static int top_via(const struct sc_sip_msg *m, const struct sc_sip_hdr **h, size_t *pos,
		   sc_str *top, struct sc_sip_via *v)
{
	int i = -1;

	*pos = 0;
	*h = sc_sip_msg_next(m, SC_HDR_VIA, &i);
	if (!*h || sc_sip_split((*h)->value, pos, top) != 1 || sc_sip_via_parse(v, *top) < 0)
		return -EBADMSG;
	return 0;
}

/* The branch key of our Via for provider request m on link: derived from
 * the provider's transaction, so its retransmissions, its CANCEL and the
 * ACK of a non-2xx response get the same one. */
static int branch_key(const struct sc_sip_msg *m, uint64_t link, const struct sc_sip_hdr **h,
		      uint64_t *key)
{
	struct sc_sip_via v;
	uint64_t hash = SC_STR_HASH_INIT;
	sc_str top;
	size_t pos;

	if (top_via(m, h, &pos, &top, &v) < 0)
		return -EBADMSG;
	hash = sc_str_hash_u64(hash, link);
	if (sc_str_set(v.branch) && v.branch.n > 7 && memcmp(v.branch.p, "z9hG4bK", 7) == 0) {
		hash = sc_str_hash(hash, v.branch);
		hash = sc_str_hash(hash, v.host);
		hash = sc_str_hash(hash, v.port);
	} else {
		/* RFC 2543 peers: the whole Via, Call-ID and CSeq number stand in. */
		hash = sc_str_hash(hash, top);
		hash = sc_str_hash(hash, m->call_id);
		hash = sc_str_hash_u64(hash, m->cseq);
	}
	*key = hash;
	return 0;
}

int sc_inbound_via_add(const struct sc_sip_msg *m, uint64_t link, enum sc_transport transport,
		       sc_str sent_by, char *scratch, size_t cap, struct sc_edits *ed,
		       uint64_t *key_out)
{
	const struct sc_sip_hdr *h;
	uint64_t key;
	int n;

	if (branch_key(m, link, &h, &key) < 0)
		return -EBADMSG;
	if (key_out)
		*key_out = key;
	n = snprintf(scratch, cap,
		     "Via: SIP/2.0/%s %.*s;branch=" BRANCH_PREFIX "%016llx;rport;sc-l=%016llx\r\n",
		     transport == SC_TP_TCP ? "TCP" : "UDP", (int)sent_by.n, sent_by.p,
		     (unsigned long long)key, (unsigned long long)link);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return sc_edit_insert(ed, h->start, sc_str_make(scratch, (size_t)n));
}

/* Our Via on top of a device's response: its branch key and link. */
static int ours(const struct sc_sip_msg *m, const struct sc_sip_hdr **h, size_t *pos,
		sc_str *top, uint64_t *key, uint64_t *link)
{
	struct sc_sip_via v;
	sc_str tok;

	if (top_via(m, h, pos, top, &v) < 0 || v.branch.n != sizeof(BRANCH_PREFIX) - 1 + 16 ||
	    memcmp(v.branch.p, BRANCH_PREFIX, sizeof(BRANCH_PREFIX) - 1) != 0 ||
	    sc_str_hex64(sc_str_make(v.branch.p + sizeof(BRANCH_PREFIX) - 1, 16), key) < 0 ||
	    sc_sip_param_find(v.params, "sc-l", &tok) != 1 || sc_str_hex64(tok, link) < 0 || !*link)
		return -ENOENT;
	return 0;
}

int sc_inbound_branch(const struct sc_sip_msg *m, uint64_t *key, uint64_t *link)
{
	const struct sc_sip_hdr *h;
	sc_str top;
	size_t pos;

	return ours(m, &h, &pos, &top, key, link);
}

int sc_inbound_via_pop(const struct sc_sip_msg *m, uint64_t *link, struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	sc_str top, next;
	uint64_t key;
	size_t pos;

	if (ours(m, &h, &pos, &top, &key, link) < 0)
		return -ENOENT;
	if (sc_sip_split(h->value, &pos, &next) != 1)
		return sc_edit_delete(ed, h->start, h->end - h->start);
	return sc_edit_delete(ed, sc_str_off(top, m->buf),
			      sc_str_off(next, m->buf) - sc_str_off(top, m->buf));
}
