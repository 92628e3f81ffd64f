/* Contact rewriting (SPEC B4) and its inverse for inbound requests.
 *
 * Towards the provider, each Contact URI of a device gets the sidecar's WAN
 * host:port, transport=tls, and a token parameter "sc=" that names the
 * device and carries what was replaced (the original host:port and transport
 * parameter, hex-encoded).  The token makes the mapping stateless: an
 * inbound request whose Request-URI carries it is restored to the device's
 * own Contact, even after a restart.  The user part and every other
 * parameter are kept.  Whether the restored address is allowed as a
 * destination is for the relay to decide (it checks the device's match).
 */
#ifndef SC_RELAY_CONTACT_H
#define SC_RELAY_CONTACT_H

#include <stddef.h>

#include "../sip/edit.h"
#include "../sip/msg.h"

/* Longest token this module makes or accepts. */
#define SC_CONTACT_TOKEN_MAX 256

/* What a token says. */
struct sc_contact_token {
	sc_str device;        /* slice of the token */
	char hostport[128];   /* the device's original host[:port] */
	char transport[32];   /* its original transport parameter value, "" when it had none */
};

/* Writes "DEVICE~HEX(hostport)~HEX(transport)" into out.  Returns the length
 * or -ENOSPC. */
int sc_contact_token_make(const char *device, sc_str hostport, sc_str transport, char *out,
			  size_t cap);
/* Decodes a token value.  Returns 0 or -EBADMSG. */
int sc_contact_token_parse(sc_str value, struct sc_contact_token *t);

/* Adds the edits that rewrite every Contact URI of m (sip: and sips: ones;
 * "*" and other schemes are left alone) to wan_hostport with transport=tls
 * and a token for device.  Token text is carved from scratch (cap bytes),
 * which must outlive the edits.  Returns the number of Contacts rewritten,
 * -EBADMSG when a Contact does not parse, or -ENOSPC. */
int sc_contact_rewrite(const struct sc_sip_msg *m, const char *device, sc_str wan_hostport,
		       char *scratch, size_t cap, struct sc_edits *ed);

/* When the Request-URI of request m carries a token, adds the edits that
 * restore it (host:port and transport as the device wrote them, token
 * removed), fills *t and returns 1.  Returns 0 when there is no token,
 * -EBADMSG when the token is damaged, -ENOSPC when ed is full.  The edits
 * refer to t->hostport and t->transport: keep *t until they are applied. */
int sc_contact_restore(const struct sc_sip_msg *m, struct sc_contact_token *t,
		       struct sc_edits *ed);

#endif
