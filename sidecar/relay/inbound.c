/* The sidecar's Via on requests towards devices (SPEC B5).  See inbound.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../sip/uri.h"
#include "../sip/via.h"
#include "inbound.h"

#define BRANCH_PREFIX "z9hG4bK-sci"

/* The branch key of our Via for provider request m: derived from the
 * provider's transaction (its branch and sent-by), so its retransmissions,
 * its CANCEL and the ACK of a non-2xx response get the same one, even
 * when they come on another connection than the INVITE (with per-device
 * flows sharing one alias, a provider may pick any of them).  The link is
 * named apart (sc-l), only to send the device's response back on it. */
static int branch_key(const struct sc_sip_msg *m, const struct sc_sip_hdr **h, uint64_t *key)
{
	struct sc_sip_via v;
	sc_str top;
	size_t pos;

	if (sc_sip_via_top(m, h, &pos, &top, &v) < 0)
		return -EBADMSG;
	*key = sc_sip_via_txn_hash(SC_STR_HASH_INIT, m, &v, top);
	return 0;
}

int sc_inbound_via_add(const struct sc_sip_msg *m, uint64_t link, enum sc_transport transport,
		       sc_str sent_by, char *scratch, size_t cap, struct sc_edits *ed,
		       uint64_t *key_out)
{
	const struct sc_sip_hdr *h;
	uint64_t key;
	int n;

	if (branch_key(m, &h, &key) < 0)
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

	if (sc_sip_via_top(m, h, pos, top, &v) < 0 || v.branch.n != sizeof(BRANCH_PREFIX) - 1 + 16 ||
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
