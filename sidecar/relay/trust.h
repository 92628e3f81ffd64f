/* Trust marking (SPEC B6): what a request towards a device says about the
 * way it reached us.
 *
 * Nobody outside may choose how a phone rings, so every Alert-Info header of
 * a request towards a device is removed.  Only an INVITE that arrived over a
 * TLS connection whose peer certificate was verified (chain and identity),
 * from an upstream configured as trusted, gets the device's own alert_info.
 * The decision and the edits are pure functions: the relay passes in what it
 * knows about the connection and gets edits for the outgoing message.
 */
#ifndef SC_RELAY_TRUST_H
#define SC_RELAY_TRUST_H

#include <stdbool.h>

#include "../conf/conf.h"
#include "../sip/edit.h"
#include "../sip/msg.h"

/* How a request from the WAN side reached the sidecar. */
struct sc_trust_src {
	bool tls;      /* it came over TLS */
	bool verified; /* the peer's chain and identity were verified */
	const struct sc_conf_upstream *upstream; /* the upstream the connection belongs to, or NULL */
};

/* Should this request be marked for this device? */
bool sc_trust_should_mark(const struct sc_sip_msg *m, const struct sc_trust_src *src,
			  const struct sc_conf_device *dev);

/* Adds to ed the deletion of every Alert-Info header of m and, when mark is
 * true and the device has an alert_info, the insertion of
 * "Alert-Info: VALUE" as the last header.  The inserted text refers to
 * dev->alert_info, which must outlive the edits.  Returns 0 or -ENOSPC. */
int sc_trust_edits(const struct sc_sip_msg *m, bool mark, const struct sc_conf_device *dev,
		   struct sc_edits *ed);

#endif
