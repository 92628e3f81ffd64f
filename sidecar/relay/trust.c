/* Trust marking (SPEC B6).  See trust.h for the rule. */
#include <errno.h>

#include "trust.h"

bool sc_trust_should_mark(const struct sc_sip_msg *m, const struct sc_trust_src *src,
			  const struct sc_conf_device *dev)
{
	/* Every condition is necessary: a verified connection from an upstream
	 * that is not trusted (or a trusted one that was not verified) proves
	 * nothing about who placed the call.  An upstream with verify off is
	 * never trusted, whatever a connection's certificate happened to be:
	 * the operator said its certificates are not to be relied on. */
	return m->is_request && sc_str_eqz(m->method, "INVITE") && src->tls && src->verified &&
	       src->upstream && src->upstream->trusted && src->upstream->verify &&
	       dev->alert_info && dev->alert_info[0];
}

int sc_trust_edits(const struct sc_sip_msg *m, bool mark, const struct sc_conf_device *dev,
		   struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	size_t at;
	int i = -1;
	int rc = 0;

	while ((h = sc_sip_msg_next(m, SC_HDR_ALERT_INFO, &i)) != NULL) {
		rc = sc_edit_delete(ed, h->start, h->end - h->start);
		if (rc < 0)
			goto out;
	}
	if (!mark || !dev->alert_info || !dev->alert_info[0])
		goto out;
	/* After the last header, so the mark is easy to spot in a trace; three
	 * inserts at one offset keep their order and copy nothing. */
	at = m->nhdrs ? m->hdrs[m->nhdrs - 1].end : m->start_line_end;
	if ((rc = sc_edit_insert(ed, at, SC_STR_LIT("Alert-Info: "))) < 0 ||
	    (rc = sc_edit_insert(ed, at, sc_str_cstr(dev->alert_info))) < 0 ||
	    (rc = sc_edit_insert(ed, at, SC_STR_LIT("\r\n"))) < 0)
		goto out;
out:
	return rc;
}
