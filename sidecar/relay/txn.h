/* Transactions of device requests relayed to the provider (SPEC B9, B13).
 *
 * UDP devices retransmit a request until they hear a response.  Over TLS the
 * provider needs each request once: a retransmission is absorbed here, and
 * the device gets the last response again instead.  A response for a
 * transaction that is not in the table is dropped and counted.
 *
 * The table is keyed by the transaction key of our branch (outbound.h) and
 * the CSeq method (a CANCEL shares its INVITE's branch but is a transaction
 * of its own).  An entry lives as long as its call needs it (B13):
 *
 *   CALLING     sent, no response yet: Timer B/F, 32 s (64*T1) from the send
 *   PROCEEDING  a provisional came: an INVITE waits Timer C (3 min),
 *               restarted by each provisional, however long the phone rings;
 *               any other request keeps its Timer F
 *   COMPLETED   a final response (or our own answer): 5 s for the device's
 *               retransmissions, then forgotten; later responses are late
 *   ACCEPTED    an INVITE's 2xx: for 32 s every further 2xx (the same one
 *               again, or a fork's) is relayed too (RFC 6026 §7.2)
 *
 * A request whose Timer B, C or F fires is returned by sc_txn_timeout with
 * the bytes the provider got, so the core can CANCEL it and answer the
 * device 408; one whose connection went is returned as lost (503).  Open addressing with linear probing keeps the table one
 * allocation; it doubles when three quarters full.
 */
#ifndef SC_RELAY_TXN_H
#define SC_RELAY_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/str.h"

/* Timer B (INVITE) and F (others): no response at all, 64*T1. */
#define SC_TXN_TIMER_B_MS 32000u
/* Timer C (RFC 3261 §16.6 step 11: more than 3 minutes), restarted by each
 * provisional response to an INVITE. */
#define SC_TXN_TIMER_C_MS 181000u
/* After an INVITE's first 2xx: further 2xx relayed this long (64*T1,
 * RFC 6026). */
#define SC_TXN_ACCEPTED_MS 32000u
/* After a final response an entry only waits for retransmissions of a
 * request whose answer got lost: a UDP device repeats at most every 4 s
 * (T2) by then.  Kamailio's tm keeps the same 5 s "wait timer".  Keeping
 * every final response for 32 s cost megabytes at a few hundred calls/s. */
#define SC_TXN_WAIT_MS 5000u

enum sc_txn_state {
	SC_TXN_CALLING = 0,
	SC_TXN_PROCEEDING,
	SC_TXN_COMPLETED,
	SC_TXN_ACCEPTED,
};

/* Kept small: at a few hundred calls a second the table holds tens of
 * thousands of entries (an INVITE's stays 32 s after its 2xx). */
struct sc_txn {
	uint64_t key;     /* 0: free slot */
	uint64_t expires; /* ms: the timer of its state */
	uint64_t link;    /* the TLS connection the request went out on, 0 before */
	char *resp;       /* last response relayed to the device, or NULL */
	char *req;        /* the request as the provider got it, until a final
			   * response: for the CANCEL and 408 of a timeout */
	uint32_t resp_len; /* both at most a message's size (64 KiB and edits) */
	uint32_t req_len;
	int16_t status;   /* of that response, 0 before any */
	uint8_t state;    /* enum sc_txn_state */
	bool invite;
	bool cancelled;   /* Timer C fired and our CANCEL went upstream */
	bool repeats;     /* the device repeats the request until it hears back
			   * (a non-INVITE over UDP) */
	bool lost;        /* its connection went before a final response */
	bool replay;      /* the sidecar's own replay of a registration (B7) */
};

struct sc_txn_table {
	struct sc_txn *slots;
	size_t cap;       /* a power of two */
	size_t n;
};

/* What to do with a request from a device. */
enum sc_txn_verdict {
	SC_TXN_NEW = 0,     /* forward it */
	SC_TXN_RETRANS = 1, /* already forwarded: do not send it again */
};

/* sc_txn_response: a response that must not reach the device (a late
 * one: a final or provisional after the transaction ended, RFC 6026). */
#define SC_TXN_LATE 1

int sc_txn_init(struct sc_txn_table *t);
void sc_txn_free(struct sc_txn_table *t);

/* The key of a transaction: our branch key mixed with the CSeq method. */
uint64_t sc_txn_key(uint64_t branch_key, sc_str method);

/* A request from a device.  For a retransmission, *resp and *resp_len get the
 * last response relayed for it (NULL when none yet, or an INVITE whose 2xx
 * went: the device's retransmission is absorbed) to send again.  A
 * retransmission restarts a COMPLETED entry's 5 s, nothing else.  Returns
 * SC_TXN_NEW, SC_TXN_RETRANS or -ENOMEM. */
int sc_txn_request(struct sc_txn_table *t, uint64_t key, uint64_t now, const char **resp,
		   size_t *resp_len);

/* The request went out on TLS connection link (0: it has not, it goes out
 * again): req (len bytes) is what the provider got, kept until a final
 * response (NULL keeps the copy there is); Timer B/F starts from now.
 * Returns 0, -ENOENT or -ENOMEM. */
int sc_txn_sent(struct sc_txn_table *t, uint64_t key, uint64_t link, bool invite,
		bool repeats, const char *req, size_t len, uint64_t now);

/* The connection link went (closed, or found dead, B14): every request on
 * it still waiting for a final response is due now, marked lost (its
 * answer is a 503, RFC 3261 §16.9), except one the device will repeat
 * before it has heard anything (that repetition goes out again on the next
 * connection, B9).  Returns how many were marked. */
size_t sc_txn_link_lost(struct sc_txn_table *t, uint64_t link, uint64_t now);

/* The connection a transaction's request went out on: 0 when it has not
 * gone out yet, or there is no such transaction. */
uint64_t sc_txn_link(const struct sc_txn_table *t, uint64_t key);

/* A response from the provider, as the device will get it (buf): moves the
 * transaction on (a 1xx restarts an INVITE's Timer C; a 100 is not kept,
 * the device had ours) and keeps a copy for retransmissions.  Returns 0
 * (relay it), SC_TXN_LATE (do not: it came after the transaction ended,
 * and is no 2xx to an INVITE, RFC 6026), -ENOENT when there is no such
 * transaction (drop and count it), or -ENOMEM. */
int sc_txn_response(struct sc_txn_table *t, uint64_t key, int status, const char *buf,
		    size_t len, uint64_t now);

/* The request of transaction key is the sidecar's own (a replayed
 * registration, B7): its answers are not the device's, and it is never
 * repeated by a device.  Returns 0 or -ENOENT. */
int sc_txn_mark_replay(struct sc_txn_table *t, uint64_t key);
bool sc_txn_replay(const struct sc_txn_table *t, uint64_t key);

/* Our own answer to the device (our 100 Trying, a 503, a 408), kept for
 * its retransmissions; a final one ends the transaction (COMPLETED).
 * Returns 0, -ENOENT or -ENOMEM. */
int sc_txn_answer(struct sc_txn_table *t, uint64_t key, int status, const char *buf,
		  size_t len, uint64_t now);

/* From slot *pos on (start with 0): forgets the entries whose time is
 * over and that need nothing more (completed, accepted, or never sent),
 * and returns the next one whose request timed out (Timer B, C or F), with
 * *pos at it; NULL at the end of the table.  The caller ends a returned
 * entry (sc_txn_answer with a final status, or sc_txn_end) before calling
 * again, or gets it again. */
struct sc_txn *sc_txn_timeout(struct sc_txn_table *t, uint64_t now, size_t *pos);

/* Ends a timed-out entry that gets no answer: COMPLETED, kept 5 s. */
void sc_txn_end(struct sc_txn_table *t, struct sc_txn *x, uint64_t now);

#endif
