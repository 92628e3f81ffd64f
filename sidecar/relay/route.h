/* Route and Record-Route handling of the relay (SPEC B3).
 *
 * The sidecar record-routes twice (RFC 5658 "double Record-Route"): one
 * entry with its WAN/TLS address, one with its LAN address, so that in-dialog
 * requests from either side come through it over the right transport.  Its
 * entries carry the parameter "sc-rr", which is how they are recognised
 * when they come back as Route entries; a Route a device preloads with the
 * sidecar's LAN address (an outbound proxy setting) is recognised by
 * address.  Both kinds are consumed before the request goes on.
 */
#ifndef SC_RELAY_ROUTE_H
#define SC_RELAY_ROUTE_H

#include <stddef.h>

#include "../sip/edit.h"
#include "../sip/msg.h"

/* Adds the edits that remove the Route entries at the top of m that point
 * at the sidecar: those carrying "sc-rr", and those whose host[:port] is
 * one of the nself "host:port" strings in self (e.g. "192.168.1.1:5060",
 * or lan.advertise's name with the port; a URI without a port means 5060,
 * or 5061 for sips: and transport=tls).
 * Stops at the first Route entry that is not ours.  Returns the number of
 * entries removed, -EBADMSG when a Route does not parse, -ENOSPC. */
int sc_route_consume(const struct sc_sip_msg *m, const char *const *self, size_t nself,
		     struct sc_edits *ed);

/* Adds "Record-Route: <sip:FIRST;lr;sc-rr>, <sip:SECOND;lr;sc-rr>" above
 * the request's existing Record-Route headers (or after its last header
 * when it has none).  first is the entry facing where the request goes
 * (e.g. "edge.example.net:5061;transport=tls" towards the provider), second
 * the one facing where it came from.  Text is carved from scratch, which
 * must outlive the edits.  Returns 0 or -ENOSPC. */
int sc_route_record(const struct sc_sip_msg *m, const char *first, const char *second,
		    char *scratch, size_t cap, struct sc_edits *ed);

#endif
