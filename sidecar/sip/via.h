/* The Via header (RFC 3261 §20.42, §18.2.1, RFC 3581 rport). */
#ifndef SC_SIP_VIA_H
#define SC_SIP_VIA_H

#include <stdint.h>

#include "../str.h"

struct sc_sip_via {
	sc_str proto;     /* "SIP" */
	sc_str version;   /* "2.0" */
	sc_str transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", ... as written */
	sc_str host;      /* sent-by host; IPv6 keeps its brackets */
	sc_str port;      /* unset when absent */
	uint16_t portnum;
	sc_str params;    /* after the first ';', without it */
	sc_str branch;    /* unset when absent */
	sc_str received;  /* unset when absent */
	sc_str rport;     /* set (possibly empty) when present */
	sc_str maddr;     /* unset when absent */
	sc_str ttl;       /* unset when absent */
};

/* Parses one via-parm (one element of a Via header value, as produced by
 * sc_sip_split).  Whitespace, including folded lines, is allowed around '/'
 * and ';' as the grammar allows.  Returns 0 or -EBADMSG. */
int sc_sip_via_parse(struct sc_sip_via *v, sc_str s);

#endif
