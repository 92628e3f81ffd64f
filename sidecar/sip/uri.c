/* SIP URIs and parameter lists (RFC 3261 §19.1, §25.1).
 *
 * The checks follow the RFC 3261 grammar closely: a proxy that forwards a URI
 * it cannot take apart would only move the failure to the next hop, where
 * nobody can tell the device what was wrong.  Other schemes are carried as an
 * opaque part, because the sidecar never needs to look inside them.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "uri.h"

/* The characters allowed besides unreserved and %HH escapes in each part of
 * a SIP URI (RFC 3261 §25.1: user-unreserved, password, param-unreserved,
 * hnv-unreserved). */
static const char uri_user_extra[] = "&=+$,;?/";
static const char uri_pass_extra[] = "&=+$,";
static const char uri_param_extra[] = "[]/:&+$";
static const char uri_hnv_extra[] = "[]/?:+$";

static int uri_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int uri_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sc_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int uri_unreserved(int c)
{
	return uri_alnum(c) || (c != 0 && strchr("-_.!~*'()", c) != NULL);
}

/* Checks that p[0..n) is made of unreserved characters, escapes and the
 * given extra characters, and is at least min bytes long. */
static int uri_chars(const char *p, size_t n, const char *extra, size_t min)
{
	size_t i;

	if (n < min)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)p[i];

		if (c == '%') {
			if (n - i < 3 || uri_hex((unsigned char)p[i + 1]) < 0 ||
			    uri_hex((unsigned char)p[i + 2]) < 0)
				return -EBADMSG;
			i += 2;
		} else if (!uri_unreserved(c) && (c == 0 || !strchr(extra, c))) {
			return -EBADMSG;
		}
	}
	return 0;
}

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each at
 * most 255. */
static int uri_ipv4(const char *p, size_t n)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (i >= n || p[i] != '.')
				return -EBADMSG;
			i++;
		}
		while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -EBADMSG;
	}
	return i == n ? 0 : -EBADMSG;
}

/* IPv6address (RFC 3261 §25.1, the RFC 2373 form): up to eight groups of
 * 1-4 hex digits, at most one "::" standing for one or more zero groups,
 * and optionally an IPv4address in place of the last two groups. */
static int uri_ipv6(const char *p, size_t n)
{
	size_t i = 0;
	unsigned groups = 0;
	int dbl = 0;

	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		dbl = 1;
		i = 2;
	}
	while (i < n) {
		size_t start = i, hex = 0;

		while (i < n && uri_hex((unsigned char)p[i]) >= 0) {
			i++;
			hex++;
		}
		if (i < n && p[i] == '.') {
			/* The dotted quad must end the address. */
			if (uri_ipv4(p + start, n - start) < 0)
				return -EBADMSG;
			groups += 2;
			i = n;
			break;
		}
		if (hex == 0 || hex > 4)
			return -EBADMSG;
		groups++;
		if (i == n)
			break;
		if (p[i] != ':')
			return -EBADMSG;
		i++;
		if (i < n && p[i] == ':') {
			if (dbl)
				return -EBADMSG;
			dbl = 1;
			i++;
		} else if (i == n) {
			return -EBADMSG;
		}
	}
	if (dbl ? groups > 7 : groups != 8)
		return -EBADMSG;
	return 0;
}

/* hostname = *( domainlabel "." ) toplabel [ "." ]; a name whose last label
 * starts with a digit can only be an IPv4address, which takes no trailing
 * dot. */
static int uri_hostname(const char *p, size_t n)
{
	size_t i = 0, label = 0;
	int dot = n > 0 && p[n - 1] == '.';

	n -= (size_t)dot;
	if (n == 0)
		return -EBADMSG;
	while (i < n) {
		size_t start = i;

		while (i < n && (uri_alnum((unsigned char)p[i]) || p[i] == '-'))
			i++;
		if (i == start || p[start] == '-' || p[i - 1] == '-')
			return -EBADMSG;
		label = start;
		if (i < n) {
			if (p[i] != '.')
				return -EBADMSG;
			i++;
			if (i == n)
				return -EBADMSG;
		}
	}
	if (p[label] >= '0' && p[label] <= '9')
		return dot ? -EBADMSG : uri_ipv4(p, n);
	return 0;
}

int sc_sip_host_check(sc_str host, int *is_ipv6)
{
	*is_ipv6 = 0;
	if (host.n == 0)
		return -EBADMSG;
	if (host.p[0] == '[') {
		if (host.n < 3 || host.p[host.n - 1] != ']' ||
		    uri_ipv6(host.p + 1, host.n - 2) < 0)
			return -EBADMSG;
		*is_ipv6 = 1;
		return 0;
	}
	if (memchr(host.p, ':', host.n)) {
		if (uri_ipv6(host.p, host.n) < 0)
			return -EBADMSG;
		*is_ipv6 = 1;
		return 0;
	}
	return uri_hostname(host.p, host.n);
}

int sc_sip_port_parse(sc_str s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (s.n == 0)
		return -EBADMSG;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
		if (v > 65535)
			return -EBADMSG;
	}
	*port = (uint16_t)v;
	return 0;
}

/* uri-parameters = *( ";" pname [ "=" pvalue ] ), pname and pvalue being
 * 1*paramchar.  p[0..n) is the text after the first ';'. */
static int uri_params(const char *p, size_t n)
{
	const char *e = p + n;

	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(e - p));
		const char *end = semi ? semi : e;
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq) {
			if (uri_chars(p, (size_t)(eq - p), uri_param_extra, 1) < 0 ||
			    uri_chars(eq + 1, (size_t)(end - eq - 1), uri_param_extra, 1) < 0)
				return -EBADMSG;
		} else if (uri_chars(p, (size_t)(end - p), uri_param_extra, 1) < 0) {
			return -EBADMSG;
		}
		if (!semi)
			return 0;
		p = semi + 1;
	}
}

/* headers = header *( "&" header ), header = hname "=" hvalue, hname being
 * 1*hnv and hvalue *hnv. */
static int uri_headers(const char *p, size_t n)
{
	const char *e = p + n;

	for (;;) {
		const char *amp = memchr(p, '&', (size_t)(e - p));
		const char *end = amp ? amp : e;
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (!eq || uri_chars(p, (size_t)(eq - p), uri_hnv_extra, 1) < 0 ||
		    uri_chars(eq + 1, (size_t)(end - eq - 1), uri_hnv_extra, 0) < 0)
			return -EBADMSG;
		if (!amp)
			return 0;
		p = amp + 1;
	}
}

/* The part of a sip: or sips: URI after the scheme's colon. */
static int uri_sip(struct sc_sip_uri *u, const char *p, const char *e)
{
	const char *at, *h;

	/* Neither the user nor the password may contain a raw '@', and the
	 * host, parameters and headers may not either, so the first '@' ends
	 * the userinfo. */
	at = memchr(p, '@', (size_t)(e - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *uend = colon ? colon : at;

		u->user = sc_str_make(p, (size_t)(uend - p));
		if (uri_chars(p, u->user.n, uri_user_extra, 1) < 0)
			return -EBADMSG;
		if (colon) {
			u->password = sc_str_make(colon + 1, (size_t)(at - colon - 1));
			if (uri_chars(u->password.p, u->password.n, uri_pass_extra, 0) < 0)
				return -EBADMSG;
		}
		p = at + 1;
	}

	h = p;
	if (p < e && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));

		if (!rb)
			return -EBADMSG;
		p = rb + 1;
	} else {
		while (p < e && (uri_alnum((unsigned char)*p) || *p == '-' || *p == '.'))
			p++;
	}
	u->host = sc_str_make(h, (size_t)(p - h));
	if (sc_sip_host_check(u->host, &u->is_ipv6) < 0)
		return -EBADMSG;

	if (p < e && *p == ':') {
		const char *d = ++p;

		while (p < e && *p >= '0' && *p <= '9')
			p++;
		u->port = sc_str_make(d, (size_t)(p - d));
		if (sc_sip_port_parse(u->port, &u->portnum) < 0)
			return -EBADMSG;
	}

	if (p < e && *p == ';') {
		const char *q = memchr(p, '?', (size_t)(e - p));
		const char *pend = q ? q : e;

		u->params = sc_str_make(p + 1, (size_t)(pend - p - 1));
		if (uri_params(u->params.p, u->params.n) < 0)
			return -EBADMSG;
		p = pend;
	}
	if (p < e && *p == '?') {
		u->headers = sc_str_make(p + 1, (size_t)(e - p - 1));
		if (uri_headers(u->headers.p, u->headers.n) < 0)
			return -EBADMSG;
		p = e;
	}
	return p == e ? 0 : -EBADMSG;
}

int sc_sip_uri_parse(struct sc_sip_uri *u, sc_str s)
{
	const char *p = s.p, *e;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (!p)
		return -EBADMSG;
	e = s.p + s.n;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	for (i = 0; i < s.n && s.p[i] != ':'; i++) {
		int c = (unsigned char)s.p[i];

		if (i == 0 ? !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			   : !(uri_alnum(c) || c == '+' || c == '-' || c == '.'))
			return -EBADMSG;
	}
	if (i == 0 || i == s.n)
		return -EBADMSG;
	u->scheme = sc_str_make(p, i);
	p += i + 1;

	if (sc_str_caseeqz(u->scheme, "sip") || sc_str_caseeqz(u->scheme, "sips")) {
		u->is_sip = 1;
		return uri_sip(u, p, e);
	}

	/* Anything else is opaque, but it still has to be one URI: no
	 * whitespace, controls or the delimiters that end a URI in a header. */
	u->opaque = sc_str_make(p, (size_t)(e - p));
	if (u->opaque.n == 0)
		return -EBADMSG;
	for (; p < e; p++) {
		int c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"')
			return -EBADMSG;
	}
	return 0;
}

/* Skips a quoted-string starting at p (on the opening quote).  Returns the
 * byte after the closing quote, or NULL when it is not terminated. */
static const char *uri_quoted_end(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\') {
			if (++p == e)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

int sc_sip_param_next(sc_str params, size_t *pos, sc_str *name, sc_str *value)
{
	const char *e, *p, *n0, *n1;

	if (!params.p || *pos >= params.n)
		return 0;
	e = params.p + params.n;
	p = params.p + *pos;
	/* Empty elements (";;") carry nothing: skip them. */
	while (p < e && (*p == ';' || sc_sip_lwsc((unsigned char)*p)))
		p++;
	if (p == e) {
		*pos = params.n;
		return 0;
	}
	n0 = p;
	while (p < e && *p != '=' && *p != ';' && !sc_sip_lwsc((unsigned char)*p))
		p++;
	n1 = p;
	*name = sc_str_make(n0, (size_t)(n1 - n0));
	*value = SC_STR_NULL;
	p = sc_sip_skip_lws(p, e);
	if (p < e && *p == '=') {
		const char *v0 = sc_sip_skip_lws(p + 1, e), *v1;

		p = v0;
		if (p < e && *p == '"') {
			const char *q = uri_quoted_end(p, e);

			p = q ? q : e;
		} else {
			while (p < e && *p != ';')
				p++;
		}
		v1 = p;
		*value = sc_sip_trim(sc_str_make(v0, (size_t)(v1 - v0)));
	}
	/* Whatever follows up to the next ';' is not part of this parameter;
	 * sc_sip_param_check is the place that rejects it. */
	while (p < e && *p != ';')
		p++;
	*pos = (size_t)(p - params.p);
	return 1;
}

int sc_sip_param_find(sc_str params, const char *name, sc_str *value)
{
	size_t pos = 0;
	sc_str n, v;

	while (sc_sip_param_next(params, &pos, &n, &v) == 1) {
		if (sc_str_caseeqz(n, name)) {
			*value = sc_str_set(v) ? v : sc_str_make(n.p + n.n, 0);
			return 1;
		}
	}
	return 0;
}

int sc_sip_param_check(sc_str params)
{
	const char *p = params.p, *e;

	if (!p)
		return -EBADMSG;
	e = params.p + params.n;
	for (;;) {
		const char *t = p = sc_sip_skip_lws(p, e);

		while (p < e && sc_sip_tokenc((unsigned char)*p))
			p++;
		if (p == t)
			return -EBADMSG;
		p = sc_sip_skip_lws(p, e);
		if (p < e && *p == '=') {
			p = sc_sip_skip_lws(p + 1, e);
			if (p < e && *p == '"') {
				p = uri_quoted_end(p, e);
				if (!p)
					return -EBADMSG;
			} else {
				/* token or host: IPv6 needs ':' and brackets */
				t = p;
				while (p < e && (sc_sip_tokenc((unsigned char)*p) || *p == ':' ||
						 *p == '[' || *p == ']'))
					p++;
				if (p == t)
					return -EBADMSG;
			}
			p = sc_sip_skip_lws(p, e);
		}
		if (p == e)
			return 0;
		if (*p != ';')
			return -EBADMSG;
		p++;
	}
}

int sc_sip_unescape(sc_str s, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c == '%') {
			int hi, lo;

			if (s.n - i < 3)
				return -EBADMSG;
			hi = uri_hex((unsigned char)s.p[i + 1]);
			lo = uri_hex((unsigned char)s.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -EBADMSG;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n == cap || n == (size_t)INT_MAX)
			return -ENOSPC;
		out[n++] = c;
	}
	return (int)n;
}

int sc_sip_param_tail(const char *p, const char *e, sc_str *params)
{
	p = sc_sip_skip_lws(p, e);
	if (p == e)
		return 0;
	if (*p != ';')
		return -EBADMSG;
	*params = sc_sip_trim(sc_str_make(p + 1, (size_t)(e - p - 1)));
	return sc_sip_param_check(*params);
}
