/* Requests the relay sends to a device over UDP, repeated until the device
 * answers (RFC 3261 §17.1.1.2 Timer A for an INVITE, §17.1.2.2 Timer E
 * otherwise): the provider sent the request once, over TLS, and will not
 * repeat it.
 *
 * Pure state: the core adds an entry when it forwards a request to a UDP
 * device and removes it when the device answers; the relay's timer asks
 * which entries are due and sends their bytes again.  Intervals start at
 * T1 and double, capped at T2 for a non-INVITE; after 64*T1 with no answer
 * an entry is handed out once more as given up, so the provider can be told
 * (408, RFC 3261 §16.8), and the caller removes it.
 */
#ifndef SC_RELAY_RETX_H
#define SC_RELAY_RETX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../net/addr.h"

#define SC_RETX_T1_MS 500
#define SC_RETX_T2_MS 4000
#define SC_RETX_GIVE_UP_MS 32000
/* Beyond this many the device's own answers, or the provider, have to do. */
#define SC_RETX_MAX 256

struct sc_retx {
	struct sc_retx *next;
	uint64_t key;        /* our LAN branch key mixed with the CSeq method */
	bool invite;
	bool gave_up;        /* 64*T1 passed: answer the provider, then sc_retx_stop */
	uint64_t due;        /* next send, ms */
	uint64_t give_up;
	unsigned interval;   /* ms */
	struct sc_net_addr dst;
	size_t len;
	char buf[];
};

struct sc_retx_table {
	struct sc_retx *head;
	size_t n;
};

/* Starts repeating buf to dst.  Returns 0, or -ENOSPC/-ENOMEM (nothing is
 * repeated then). */
int sc_retx_add(struct sc_retx_table *t, uint64_t key, bool invite,
		const struct sc_net_addr *dst, const char *buf, size_t len, uint64_t now);

/* The device answered: stop repeating.  Returns 0 or -ENOENT. */
int sc_retx_stop(struct sc_retx_table *t, uint64_t key);

/* The next entry due at now, after prev (NULL: from the start), with its
 * next send scheduled, or past 64*T1 with gave_up set (it stays until
 * sc_retx_stop, and is handed out again until then).  NULL when none is
 * left.  Entries returned stay valid until the next call. */
const struct sc_retx *sc_retx_due(struct sc_retx_table *t, const struct sc_retx *prev,
				  uint64_t now);

void sc_retx_free(struct sc_retx_table *t);

#endif
