/* Flow liveness: see alive.h. */
#include <string.h>

#include "alive.h"

void sc_alive_init(struct sc_alive *a)
{
	memset(a, 0, sizeof(*a));
}

void sc_alive_rx(struct sc_alive *a)
{
	a->since = 0;
	a->deadline = 0;
	a->pinged = false;
}

uint64_t sc_alive_sent(struct sc_alive *a, bool ping, uint64_t now)
{
	/* The oldest unanswered thing counts; a ping after an unanswered
	 * request starts the pong timeout. */
	if (!a->since || (ping && !a->pinged)) {
		a->since = now ? now : 1;
		a->pinged = ping;
		a->deadline = now + (ping ? SC_ALIVE_PONG_MS : SC_ALIVE_PROBE_MS);
	}
	return a->deadline;
}

enum sc_alive_do sc_alive_due(const struct sc_alive *a, uint64_t now, uint64_t *next)
{
	*next = a->deadline;
	if (!a->since || now < a->deadline)
		return SC_ALIVE_WAIT;
	*next = 0;
	return a->pinged ? SC_ALIVE_DEAD : SC_ALIVE_PING;
}
