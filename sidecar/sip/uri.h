/* SIP and SIPS URIs (RFC 3261 §19.1, §25.1) and generic ;name=value parameter
 * lists.  Zero-copy: every field is a slice of the input. */
#ifndef SC_SIP_URI_H
#define SC_SIP_URI_H

#include <stddef.h>
#include <stdint.h>

#include "../base/str.h"

struct sc_sip_uri {
	sc_str scheme;   /* "sip", "sips", or any other scheme (then only opaque is set) */
	sc_str user;     /* still %-escaped; unset when there is no userinfo */
	sc_str password; /* unset when absent */
	sc_str host;     /* IPv6 references keep their brackets: "[2001:db8::1]" */
	sc_str port;     /* digits, unset when absent */
	uint16_t portnum; /* 0 when absent */
	sc_str params;   /* everything after the first ';' up to '?' or the end, without the ';' */
	sc_str headers;  /* everything after '?', without the '?' */
	sc_str opaque;   /* for non-SIP schemes: everything after "scheme:" */
	int is_sip;      /* 1 for sip:/sips: */
	int is_ipv6;     /* host is a bracketed IPv6 reference */
};

/* Parses a URI.  For sip/sips the user, host, port, parameters and headers
 * are checked against the RFC 3261 grammar (escapes must be %HH); other
 * schemes ("tel:", "urn:", "http:") are accepted with only the scheme and
 * opaque part set.  Returns 0 or -EBADMSG. */
int sc_sip_uri_parse(struct sc_sip_uri *u, sc_str s);

/* Finds parameter name (case-insensitive) in a ';'-separated list such as
 * uri.params or a header's parameters.  A parameter without '=' gives an
 * empty but set *value.  Returns 1 when found, 0 when not. */
int sc_sip_param_find(sc_str params, const char *name, sc_str *value);

/* Iterates a ';'-separated parameter list: start with *pos = 0; returns 1 with
 * *name and *value (value unset when there is no '='), 0 at the end.
 * Whitespace around names and values is trimmed, a quoted value keeps its
 * quotes and may contain ';', and empty elements (";;") are skipped.  It
 * does not judge the syntax: sc_sip_param_check does. */
int sc_sip_param_next(sc_str params, size_t *pos, sc_str *name, sc_str *value);

/* Decodes %HH escapes of s into out (cap bytes).  Returns the decoded length,
 * -EBADMSG on a bad escape, -ENOSPC when out is too small. */
int sc_sip_unescape(sc_str s, char *out, size_t cap);

/* Checks a host as written in a SIP URI, a Via sent-by or a received=
 * parameter: hostname, IPv4address, [IPv6reference], or a bare IPv6address
 * (only received= uses that form; the URI and sent-by scanners never pass a
 * ':' outside brackets).  Sets *is_ipv6 when it is an IPv6 address.  Returns
 * 0 or -EBADMSG. */
int sc_sip_host_check(sc_str host, int *is_ipv6);

/* Decodes a port: 1*DIGIT with a value of at most 65535.  Returns 0 or
 * -EBADMSG. */
int sc_sip_port_parse(sc_str s, uint16_t *port);

/* Checks a header parameter list (the part after the first ';' of a Via,
 * Contact, From, To, Route ...): one or more generic-params
 * "token [= token / host / quoted-string]" separated by ';', with optional
 * whitespace (including folded lines) around ';' and '='.  Returns 0 or
 * -EBADMSG. */
int sc_sip_param_check(sc_str params);

/* The end of a Via or name-addr value: nothing but whitespace, or ';' and a
 * parameter list that sc_sip_param_check accepts, which goes in *params
 * (trimmed, without the ';').  p..e is what follows the URI or sent-by.
 * Returns 0 or -EBADMSG. */
int sc_sip_param_tail(const char *p, const char *e, sc_str *params);

/* Lexical helpers shared by the SIP parsers. */

/* token characters (RFC 3261 §25.1): alphanum and -.!%*_+`'~ */
static inline int sc_sip_tokenc(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`':
	case '\'': case '~':
		return 1;
	default:
		return 0;
	}
}

/* Linear whitespace inside a header value: the message parser has already
 * checked that CR and LF only occur as CRLF followed by SP or HTAB (a folded
 * line), so treating all four as blanks is exact here. */
static inline int sc_sip_lwsc(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline const char *sc_sip_skip_lws(const char *p, const char *end)
{
	while (p < end && sc_sip_lwsc((unsigned char)*p))
		p++;
	return p;
}

/* The slice without leading and trailing linear whitespace. */
static inline sc_str sc_sip_trim(sc_str s)
{
	const char *p = s.p, *e;

	if (!p)
		return s;
	e = p + s.n;
	p = sc_sip_skip_lws(p, e);
	while (e > p && sc_sip_lwsc((unsigned char)e[-1]))
		e--;
	return sc_str_make(p, (size_t)(e - p));
}

#endif
