/* The sidecar's own Via on requests from devices (SPEC B3).
 *
 * A request from a device gets one Via on top, "SIP/2.0/TLS SENT-BY", so the
 * provider answers over TLS to the sidecar; the device's own Via stays below
 * it, byte for byte unless it asked for rport or its sent-by is not where it
 * sent from (then received and rport are filled in, RFC 3581).  The branch is derived from the device's transaction
 * (RFC 3261 §16.11), so a retransmission, a CANCEL or an ACK to a non-2xx
 * response gets the branch of the request it belongs to.  It carries rport
 * (RFC 3581) and alias (RFC 5923), so the provider answers and sends its
 * own requests over the same connection.  A parameter
 * "sc=DEVICE~HEX(address:port)~u|t" says where the request came from on the
 * LAN, so a response finds its way back without any state: popping our Via
 * gives the device, its address and transport.
 */
#ifndef SC_RELAY_OUTBOUND_H
#define SC_RELAY_OUTBOUND_H

#include <stdint.h>
#include <sys/socket.h>

#include "../conf/conf.h"
#include "../sip/edit.h"
#include "../sip/msg.h"

/* Where a response goes back to on the LAN. */
struct sc_via_token {
	sc_str device;               /* slice of the message */
	struct sc_net_addr src;     /* the device's source address */
	enum sc_transport transport; /* SC_TP_UDP or SC_TP_TCP */
	uint64_t key;                /* the transaction key in our branch */
};

/* The key of the device transaction m belongs to, as sc_outbound_via_add
 * writes it into our branch ("z9hG4bK-sc" and 16 hex digits).  Returns 0,
 * -EBADMSG when the device's top Via does not parse, or -EINVAL. */
int sc_outbound_key(const struct sc_sip_msg *m, const char *device, const struct sockaddr *src,
		    uint64_t *key);
/* The key in one of our branches; -ENOENT when branch is not ours. */
int sc_outbound_key_parse(sc_str branch, uint64_t *key);

/* Adds our Via above the device's.  src is where the request came from,
 * sent_by the host:port the provider should answer to.  Text is carved from
 * scratch (cap bytes), which must outlive the edits.  Returns 0, -EBADMSG
 * when the device's top Via does not parse, -ENOSPC, or -EINVAL for an
 * address family other than IPv4/IPv6. */
int sc_outbound_via_add(const struct sc_sip_msg *m, const char *device,
			const struct sockaddr *src, enum sc_transport transport, sc_str sent_by,
			char *scratch, size_t cap, struct sc_edits *ed);

/* RFC 3261 §18.2.1 and RFC 3581 §4 on the device's top Via: an empty rport
 * gets the source port, and received the source address when rport was
 * asked for or sent-by names another host; a Via that asks for neither
 * stays byte for byte.  Text is carved from scratch (cap bytes).  Returns
 * 0, -EBADMSG when the top Via does not parse, -ENOSPC or -EINVAL. */
int sc_outbound_via_received(const struct sc_sip_msg *m, const struct sockaddr *src,
			     char *scratch, size_t cap, struct sc_edits *ed);

/* For a response from the provider: when its top Via is ours, adds the edit
 * removing it, fills *t and returns 0.  Returns -ENOENT when the top Via is
 * not ours (a response for an unknown transaction: drop and count it, B9),
 * -EBADMSG when our token is damaged, -ENOSPC when ed is full. */
int sc_outbound_via_pop(const struct sc_sip_msg *m, struct sc_via_token *t, struct sc_edits *ed);

#endif
