/* What the relay owes when one of its timers fires (SPEC B13, RFC 3261
 * §16.6 step 11, §16.7, §16.8): verdicts of the core, without I/O.
 *
 *   a device's request got no final response from the provider
 *     Timer B or F (32 s without any response): 408 to the device;
 *     Timer C (an INVITE rang 3 minutes since its last provisional): a
 *     CANCEL upstream on the connection the INVITE went out on, then 408
 *     to the device;
 *   a provider's request to a UDP device is repeated (Timer A/E) and, when
 *     the device never answered in 64*T1, answered 408 for the provider.
 *
 * The relay calls sc_timeout_txn from its one-second tick and
 * sc_timeout_retx from its repetition timer, each until it returns
 * SC_CORE_DROP, and carries out every SC_CORE_FORWARD: o->link non-zero,
 * on that TLS link; else o->device set, to that device (o->dst, o->tp);
 * else a repetition, over UDP to o->dst.
 */
#ifndef SC_RELAY_TIMEOUT_H
#define SC_RELAY_TIMEOUT_H

#include <stdint.h>

#include "core.h"

/* The next action the transaction timers have due at now, or
 * SC_CORE_DROP when there is none (finished transactions are forgotten on
 * the way).  o->why says what fired. */
int sc_timeout_txn(struct sc_core *c, uint64_t now, struct sc_core_out *o);

/* The next repetition towards a UDP device due at now, or the 408 for the
 * provider of a request the device never answered; SC_CORE_DROP when
 * nothing more is due. */
int sc_timeout_retx(struct sc_core *c, uint64_t now, struct sc_core_out *o);

#endif
