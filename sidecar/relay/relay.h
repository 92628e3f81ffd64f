/* The relay's wiring: sockets <-> core <-> flows.
 *
 *   LAN udp/tcp (net/udp, net/tcp) ──> core ──> flow (flow.c) ──> TLS link (link.c)
 *   device <── LAN udp/tcp <── core <── link <── provider (a flow, or wan.listen)
 *
 * Everything here carries out what the core decided (core.h): replies,
 * forwards, a request queued for its flow, our 100 Trying before or after
 * it, repetitions towards UDP devices.  The loop, signals and start/stop
 * are the daemon's (sidecar/daemon.c).
 */
#ifndef SC_RELAY_RELAY_H
#define SC_RELAY_RELAY_H

#include <uv.h>

#include "../conf/conf.h"
#include "core.h"

struct sc_relay;

/* A relay on loop for conf, telling devices lan_udp / lan_tcp ("host:port")
 * as its sent-by: TLS contexts built, nothing bound yet.  Returns 0, or a
 * negative errno with the reason logged. */
int sc_relay_new(struct sc_relay **out, uv_loop_t *loop, const struct sc_conf *conf,
		 const char *lan_udp, const char *lan_tcp);

/* Binds every listener of lan.listen and wan.listen (each logged).
 * Returns 0 or the first libuv error. */
int sc_relay_listen(struct sc_relay *r);

/* Closes listeners, flows' timers and connections (close_notify on every
 * TLS link); the loop ends once they are gone. */
void sc_relay_stop(struct sc_relay *r);

/* Frees the relay once the loop has run every close callback. */
void sc_relay_free(struct sc_relay *r);

const struct sc_core_stats *sc_relay_stats(const struct sc_relay *r);

#endif
