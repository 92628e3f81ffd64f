/* Replaying a device's registration when the flow it uses comes back
 * (SPEC B7; what is kept and why: register.h).  A verdict of the core:
 * the I/O layer sends what this returns on the new flow. */
#ifndef SC_RELAY_REPLAY_H
#define SC_RELAY_REPLAY_H

#include <stdint.h>

#include "core.h"

/* Device dev's registration, sent again on link (our address as its peer
 * sees it: wan): FORWARD with the bytes for the link, DROP when dev has
 * none, or a negative errno.  Its answer is the sidecar's:
 * sc_core_wan_response says what became of it in o->why, with
 * o->notice. */
int sc_replay_send(struct sc_core *c, struct sc_dev *dev, uint64_t link, const char *wan,
		   uint64_t now, struct sc_core_out *o);

#endif
