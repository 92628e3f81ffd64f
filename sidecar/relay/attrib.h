/* Which upstream a connection to wan.listen belongs to (SPEC B15).
 *
 * By certificate: the client's chain verified and its certificate carries
 * the upstream's server_name (else its uri host); only such a connection's
 * INVITEs may be trust-marked (B6).  Else by address: the peer is in the
 * upstream's accept_from, or, without one, among the addresses its uri
 * resolves to (an IP literal, or what the flows' lookups last found).
 * Else no upstream: the connection's requests are refused (core.c).
 * Connections the sidecar opens itself (flows) belong to their upstream.
 */
#ifndef SC_RELAY_ATTRIB_H
#define SC_RELAY_ATTRIB_H

#include <stdbool.h>
#include <sys/socket.h>

#include "../net/addr.h"
#include "devices.h"

enum sc_attrib_how {
	SC_ATTRIB_NONE = 0,
	SC_ATTRIB_CERT = 1,    /* its verified client certificate */
	SC_ATTRIB_ADDRESS = 2, /* its source address */
};

/* The upstream of a wan.listen connection from peer (NULL: not known),
 * whose chain verified or not, whose certificate carries a name when
 * has_identity(arg, name) says so; how in *how.  NULL when none. */
struct sc_up *sc_attrib_link(const struct sc_devices *reg, bool chain_verified,
			     bool (*has_identity)(void *arg, const char *name), void *arg,
			     const struct sockaddr *peer, enum sc_attrib_how *how);

/* What the upstream's uri resolves to now (n addresses): its default
 * accept_from.  An IP literal uri needs no call (sc_attrib_init). */
void sc_attrib_resolved(struct sc_up *up, const struct sc_net_addr *addrs, size_t n);

/* Sets up's default accept_from from its uri when that is an IP literal. */
void sc_attrib_init(struct sc_up *up);

#endif
