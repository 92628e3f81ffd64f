/* The sidecar's own Via on requests from a provider towards a device (SPEC
 * B5).
 *
 * A request from the WAN side gets "Via: SIP/2.0/UDP|TCP LAN-SENT-BY" on top,
 * so the device answers to the sidecar, with a parameter "sc-l=" naming the
 * TLS connection the request came in on: the response goes back on exactly
 * that connection.  The branch is derived from the provider's transaction
 * (its top Via branch and sent-by) only, so a retransmission, a CANCEL or an
 * ACK to a non-2xx response gets the branch of the INVITE they belong to,
 * as the device expects, on whichever connection it comes.
 */
#ifndef SC_RELAY_INBOUND_H
#define SC_RELAY_INBOUND_H

#include <stdint.h>

#include "../conf/conf.h"
#include "../sip/edit.h"
#include "../sip/msg.h"

/* Adds our Via above the provider's.  link names the connection (non-zero),
 * transport is the LAN hop's (SC_TP_UDP or SC_TP_TCP), sent_by the LAN
 * host:port the device should answer to.  Text is carved from scratch (cap
 * bytes), which must outlive the edits.  The branch key written (the 16 hex
 * digits after "z9hG4bK-sci") goes to *key_out unless it is NULL.  Returns
 * 0, -EBADMSG when the provider's top Via does not parse, or -ENOSPC. */
int sc_inbound_via_add(const struct sc_sip_msg *m, uint64_t link, enum sc_transport transport,
		       sc_str sent_by, char *scratch, size_t cap, struct sc_edits *ed,
		       uint64_t *key_out);

/* For a response from a device: when its top Via is one sc_inbound_via_add
 * wrote, its branch key (to match it with the request, which the relay may
 * be repeating) and the connection the response goes back on.  Returns 0
 * or -ENOENT. */
int sc_inbound_branch(const struct sc_sip_msg *m, uint64_t *key, uint64_t *link);

/* For a response from a device: when its top Via is one sc_inbound_via_add
 * wrote, adds the edit removing it, stores the connection in *link and
 * returns 0.  Returns -ENOENT when the top Via is not ours, -ENOSPC when ed
 * is full. */
int sc_inbound_via_pop(const struct sc_sip_msg *m, uint64_t *link, struct sc_edits *ed);

#endif
