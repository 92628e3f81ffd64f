/* Requests too large for UDP (RFC 3261 §18.1.1).
 *
 * A provider request towards a UDP device that comes out larger than 1300
 * bytes goes over TCP instead, when the sidecar listens on TCP on the LAN
 * (the device's answer needs somewhere to come back to), to the address
 * the device uses for UDP: every SIP phone is meant to listen on both.  A
 * phone that does not (its TCP connect is refused) gets the same request
 * over UDP after all, as the RFC allows, and that is counted.  Without a
 * LAN TCP listener, or for a device matched by address and port (its
 * requests over TCP would come from another port, and be refused as no
 * device's, B1), the request goes over UDP and is counted.  A CANCEL or
 * a non-2xx ACK follows its INVITE onto TCP: the device matches them by
 * the Via the INVITE had.
 */
#ifndef SC_RELAY_MTU_H
#define SC_RELAY_MTU_H

#include "core.h"

/* Above this a request is not sent over UDP when it can be helped. */
#define SC_MTU_UDP_MAX 1300

/* sc_core_wan_request, with the size rule: a request that goes over TCP
 * for its size has o->tp TCP and its UDP form in o->alt (o->alt_len
 * bytes, the core's until the next call) for sc_mtu_fallback. */
int sc_mtu_wan_request(struct sc_core *c, const struct sc_sip_msg *m,
		       const struct sc_core_link *lk, struct sc_core_out *o);

/* The device refused the TCP connection: its request (the UDP form, len
 * bytes of buf, transaction key, an INVITE or not) goes to dst over UDP
 * after all, repeated as any UDP request is; counted.  Returns 0 or a
 * negative errno (it is still sent, only not repeated). */
int sc_mtu_fallback(struct sc_core *c, uint64_t key, bool invite, const struct sc_net_addr *dst,
		    const char *buf, size_t len, uint64_t now);

#endif
