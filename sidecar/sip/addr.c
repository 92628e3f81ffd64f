/* name-addr and addr-spec (RFC 3261 §20.10, §25.1).
 *
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * followed by header parameters.  Without angle brackets the URI cannot
 * contain ';', so everything after the first ';' belongs to the header.
 */
#include <errno.h>
#include <string.h>

#include "addr.h"

/* Unquoted display names are token words in the grammar; bytes of UTF-8
 * names are let through as well, because phones and PBXs write caller
 * names unquoted and rejecting a call for that helps nobody. */
static int addr_display_char(int c)
{
	return sc_sip_tokenc(c) || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c >= 0x80;
}

int sc_sip_addr_parse(struct sc_sip_addr *a, sc_str s)
{
	const char *p, *e, *q;

	memset(a, 0, sizeof(*a));
	s = sc_sip_trim(s);
	if (!s.p || s.n == 0)
		return -EBADMSG;
	if (s.n == 1 && s.p[0] == '*') {
		a->star = 1;
		return 0;
	}
	p = s.p;
	e = s.p + s.n;

	if (*p == '"') {
		for (q = p + 1; q < e && *q != '"'; q++)
			if (*q == '\\' && ++q == e)
				return -EBADMSG;
		if (q == e)
			return -EBADMSG;
		a->display = sc_str_make(p, (size_t)(q + 1 - p));
		p = sc_sip_skip_lws(q + 1, e);
		if (p == e || *p != '<')
			return -EBADMSG;
	} else {
		for (q = p; q < e && addr_display_char((unsigned char)*q); q++)
			;
		if (q < e && *q == '<') {
			sc_str d = sc_sip_trim(sc_str_make(p, (size_t)(q - p)));

			if (d.n > 0)
				a->display = d;
			p = q;
		}
	}

	if (*p == '<') {
		q = memchr(p, '>', (size_t)(e - p));
		if (!q)
			return -EBADMSG;
		a->angle = 1;
		a->uri_str = sc_str_make(p + 1, (size_t)(q - p - 1));
		p = q + 1;
	} else {
		for (q = p; q < e && *q != ';' && !sc_sip_lwsc((unsigned char)*q); q++)
			;
		a->uri_str = sc_str_make(p, (size_t)(q - p));
		p = q;
	}
	if (sc_sip_uri_parse(&a->uri, a->uri_str) < 0)
		return -EBADMSG;

	return sc_sip_param_tail(p, e, &a->params);
}
