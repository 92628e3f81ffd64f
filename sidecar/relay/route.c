/* Route consumption and double Record-Route (SPEC B3).  See route.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../net/addr.h"
#include "../sip/addr.h"
#include "route.h"

/* Does URI u name host:port self?  A URI without a port means 5060 (5061
 * for sips: or transport=tls, RFC 3263 §4.2), as does self without one;
 * host names compare in any case, IPv6 without its brackets. */
static bool names(const struct sc_sip_uri *u, const char *self)
{
	char want[256];
	uint16_t port = 0, uport = u->portnum;
	bool br;
	sc_str h = u->host, tr;

	if (sc_net_hostport_split(self, strlen(self), want, sizeof(want), &port, &br) < 0)
		return false;
	if (u->is_ipv6 && h.n >= 2) {
		h.p++;
		h.n -= 2;
	}
	if (!uport)
		uport = sc_str_caseeqz(u->scheme, "sips") ||
				(sc_sip_param_find(u->params, "transport", &tr) &&
				 sc_str_caseeqz(tr, "tls"))
			? 5061
			: 5060;
	return sc_str_caseeqz(h, want) && uport == (port ? port : 5060);
}

static int route_is_self(const struct sc_sip_addr *a, const char *const *self, size_t nself)
{
	size_t i;
	sc_str v;

	if (!a->uri.is_sip)
		return 0;
	if (sc_sip_param_find(a->uri.params, "sc-rr", &v))
		return 1;
	for (i = 0; i < nself; i++)
		if (names(&a->uri, self[i]))
			return 1;
	return 0;
}

int sc_route_consume(const struct sc_sip_msg *m, const char *const *self, size_t nself,
		     struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_addr a;
	sc_str v;
	size_t pos, first;
	int i = -1, removed = 0, on_line, rc;

	while ((h = sc_sip_msg_next(m, SC_HDR_ROUTE, &i)) != NULL) {
		pos = 0;
		on_line = 0;
		while ((rc = sc_sip_split(h->value, &pos, &v)) == 1) {
			if (sc_sip_addr_parse(&a, v) < 0)
				return -EBADMSG;
			if (route_is_self(&a, self, nself)) {
				removed++;
				on_line++;
				continue;
			}
			/* The first entry that is not ours stays, and so does
			 * everything after it; ours before it on this line go,
			 * with the commas between. */
			if (on_line) {
				first = sc_str_off(h->value, m->buf);
				rc = sc_edit_delete(ed, first, sc_str_off(v, m->buf) - first);
				if (rc < 0)
					return rc;
			}
			return removed;
		}
		if (rc < 0)
			return -EBADMSG;
		/* Every entry of this line was ours. */
		rc = sc_edit_delete(ed, h->start, h->end - h->start);
		if (rc < 0)
			return rc;
	}
	return removed;
}

int sc_route_record(const struct sc_sip_msg *m, const char *first, const char *second,
		    char *scratch, size_t cap, struct sc_edits *ed)
{
	int i = -1;
	const struct sc_sip_hdr *h = sc_sip_msg_next(m, SC_HDR_RECORD_ROUTE, &i);
	size_t at = h ? h->start : m->nhdrs ? m->hdrs[m->nhdrs - 1].end : m->start_line_end;
	int n = snprintf(scratch, cap, "Record-Route: <sip:%s;lr;sc-rr>, <sip:%s;lr;sc-rr>\r\n",
			 first, second);

	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return sc_edit_insert(ed, at, sc_str_make(scratch, (size_t)n));
}
