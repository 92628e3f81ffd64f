/* name-addr / addr-spec values of Contact, From, To, Route, Record-Route and
 * Path (RFC 3261 §20.10, §25.1). */
#ifndef SC_SIP_ADDR_H
#define SC_SIP_ADDR_H

#include "../base/str.h"
#include "uri.h"

struct sc_sip_addr {
	int star;          /* Contact: "*" */
	int angle;         /* the URI was written in <...> */
	sc_str display;    /* display name as written (quotes kept), unset when absent */
	sc_str uri_str;    /* the URI text, without the angle brackets */
	struct sc_sip_uri uri;
	sc_str params;     /* header parameters after the URI (;tag=, ;expires=, ;q=), without the first ';' */
};

/* Parses one element of such a header (one value from sc_sip_split).  With
 * addr-spec (no angle brackets) the parameters belong to the header, as
 * RFC 3261 §20 requires.  Quoted display names may contain escaped
 * characters (\" and \\).  Returns 0 or -EBADMSG. */
int sc_sip_addr_parse(struct sc_sip_addr *a, sc_str s);

#endif
