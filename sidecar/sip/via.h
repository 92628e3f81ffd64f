/* The Via header (RFC 3261 §20.42, §18.2.1, RFC 3581 rport). */
#ifndef SC_SIP_VIA_H
#define SC_SIP_VIA_H

#include <stdint.h>

#include "../base/str.h"
#include "msg.h"

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

/* The top Via of m: its header line *h, the slice *top of its first value
 * (ending at *pos, where sc_sip_split goes on) and that value parsed.
 * Returns 0 or -EBADMSG. */
int sc_sip_via_top(const struct sc_sip_msg *m, const struct sc_sip_hdr **h, size_t *pos,
		   sc_str *top, struct sc_sip_via *v);

/* Mixes into FNV-1a hash h (str.h) what names the transaction of request
 * m whose top Via is v (the slice top): an RFC 3261 branch with the
 * sent-by (§17.2.3), or for an RFC 2543 peer the whole Via, Call-ID and
 * CSeq number.  Retransmissions, and the CANCEL or non-2xx ACK of the same
 * request, get the same value. */
uint64_t sc_sip_via_txn_hash(uint64_t h, const struct sc_sip_msg *m, const struct sc_sip_via *v,
			     sc_str top);

#endif
