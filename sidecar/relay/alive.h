/* Is a flow still carrying packets (SPEC B14, RFC 5626 §4.4.1)?  Pure
 * state, driven by the flow (flow.c) and tested without sockets.
 *
 * A connection whose packets silently vanish (a NAT that forgot its
 * binding, a provider frozen or cut off) is never closed by anyone: the
 * kernel keeps it ESTABLISHED while nothing comes back.  So the flow watches
 * for answers.  Whenever it sent something that the peer answers — a
 * CRLFCRLF keep-alive ping (answered by a CRLF pong), or a request
 * (answered by a response) — any bytes from the peer count as the answer.
 * A request with nothing heard back for SC_ALIVE_PROBE_MS is followed by a
 * ping, so a dead flow is found in seconds rather than at the next
 * keep-alive; a ping with nothing heard back for SC_ALIVE_PONG_MS (RFC
 * 5626's 10 s) means the flow is dead.
 */
#ifndef SC_RELAY_ALIVE_H
#define SC_RELAY_ALIVE_H

#include <stdbool.h>
#include <stdint.h>

#define SC_ALIVE_PROBE_MS 2000u
#define SC_ALIVE_PONG_MS 10000u
/* And the kernel's own watch on a flow's socket: data unacknowledged this
 * long ends the connection (TCP_USER_TIMEOUT). */
#define SC_ALIVE_TCP_USER_TIMEOUT_MS 15000u

enum sc_alive_do {
	SC_ALIVE_WAIT = 0, /* nothing to do now */
	SC_ALIVE_PING = 1, /* send a ping now (then sc_alive_sent with ping) */
	SC_ALIVE_DEAD = 2, /* no answer to a ping in SC_ALIVE_PONG_MS */
};

struct sc_alive {
	uint64_t since;    /* what waits for an answer was sent then; 0: nothing */
	uint64_t deadline; /* when to look again (sc_alive_due); 0: never */
	bool pinged;       /* it is a ping: the pong timeout runs */
};

void sc_alive_init(struct sc_alive *a);

/* Bytes came from the peer: whatever waited is answered. */
void sc_alive_rx(struct sc_alive *a);

/* We sent a request (ping false) or a keep-alive ping (ping true) at now.
 * Returns the deadline to call sc_alive_due at (it only moves when
 * nothing waited yet, or a ping now follows a request). */
uint64_t sc_alive_sent(struct sc_alive *a, bool ping, uint64_t now);

/* What to do at now; *next gets the deadline to look again (0: none). */
enum sc_alive_do sc_alive_due(const struct sc_alive *a, uint64_t now, uint64_t *next);

#endif
