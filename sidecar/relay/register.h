/* Registrations (SPEC B5, B7): what a device registered, and replaying its
 * last accepted REGISTER when its flow comes back.
 *
 * A device's REGISTER is kept (a copy of its bytes, as the device sent
 * them, with its credentials) while it waits for the provider; when the
 * provider accepts it (2xx), it becomes the device's registration (a
 * removal forgets it; a query, without Contact, changes nothing).  When a flow that was up opens again (it dropped,
 * or the provider restarted and forgot its registrations), the core sends
 * each registration of that flow's devices again, as a new transaction
 * (its own branch) with a higher CSeq and the same Call-ID; the answer is
 * the sidecar's, never the device's.  From then on the CSeq of the
 * device's own REGISTERs with that Call-ID is raised by the same amount
 * towards the provider (and lowered again in the responses), so its next
 * refresh is still higher than the replay (RFC 3261 §10.3 step 7).
 *
 * A provider that challenges the replay (401/407) cannot be answered: the
 * device's credentials are its own.  The sidecar then caps the expiry in
 * every 2xx to a REGISTER of that upstream's devices at reregister_max,
 * so that after the next drop a device registers again by itself soon.
 */
#ifndef SC_RELAY_REGISTER_H
#define SC_RELAY_REGISTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../sip/addr.h"
#include "../sip/edit.h"
#include "../sip/msg.h"
#include "devices.h"

/* Is REGISTER m a removal: "Contact: *", or an expiry of 0 in the
 * Expires header or the Contact's own expires parameter? */
bool sc_register_removes(const struct sc_sip_msg *m, const struct sc_sip_addr *contact);

/* A REGISTER from device d (transaction key key, from src over tp):
 * remembers each of its Contacts as a line, with where it registered from
 * and the AOR it registers, for routing (B5; a removal forgets the line),
 * and keeps a copy until the provider answers it. */
void sc_register_sent(struct sc_dev *d, const struct sc_sip_msg *m, uint64_t key,
		      const struct sockaddr *src, enum sc_transport tp);

/* The line of d whose Contact is host[:port] hostport, or NULL. */
const struct sc_dev_line *sc_register_line(const struct sc_dev *d, const char *hostport);

/* The line, of any device of upstream up, that registered the AOR whose
 * user part is user (its device in *dev), or NULL: an AOR registered
 * through one upstream is not reached from another (B15). */
const struct sc_dev_line *sc_register_aor(const struct sc_devices *reg, const struct sc_up *up,
					  sc_str user, struct sc_dev **dev);

/* The provider accepted the REGISTER of transaction key: it is now d's
 * registration (or, a removal, d has none). */
void sc_register_accepted(struct sc_dev *d, uint64_t key);

/* The device's registration as it goes out again: its bytes with the top
 * Via's branch made new (replay number n), into out (cap bytes).  Returns
 * the length, -ENOENT when d has no registration, -EBADMSG or -ENOSPC. */
int sc_register_replay(const struct sc_dev *d, unsigned n, char *out, size_t cap);

/* Is m (a REGISTER or a response to one) in the Call-ID of d's
 * registration, whose CSeq is shifted (d->reg_shift)? */
bool sc_register_shifted(const struct sc_dev *d, const struct sc_sip_msg *m);

/* The edit that writes CSeq number m->cseq + delta (delta may be
 * negative; nothing below 1) into m's CSeq.  scratch must outlive ed.
 * Returns 0 or a negative errno. */
int sc_register_cseq(const struct sc_sip_msg *m, long delta, char *scratch, size_t cap,
		     struct sc_edits *ed);

/* What became of a replay of d's registration that got final status:
 * the sentence for the log.  A challenge (401, 407) marks d's upstream
 * (replay_challenged): from then on its devices' expiries are capped. */
const char *sc_register_replayed(struct sc_dev *d, int status);

/* The edits a provider's response to one of d's REGISTERs gets on its
 * way to the device: the CSeq lowered again by d->reg_shift, and in a 2xx
 * the expiries capped at reregister_max once the upstream challenged a
 * replay.  scratch (at least 64 bytes) must outlive ed.  Returns 0 or a
 * negative errno. */
int sc_register_response(const struct sc_dev *d, const struct sc_sip_msg *m, char *scratch,
			 size_t cap, struct sc_edits *ed);

/* Edits capping every expiry in 2xx response m (each Contact's expires
 * parameter, the Expires header) at max seconds; an Expires header is
 * added when m has neither.  Text is carved from scratch.  Returns 0 or a
 * negative errno. */
int sc_register_cap(const struct sc_sip_msg *m, unsigned max, char *scratch, size_t cap,
		    struct sc_edits *ed);

#endif
