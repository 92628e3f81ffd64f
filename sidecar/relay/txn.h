/* Transactions of device requests relayed to the provider (SPEC B9).
 *
 * UDP devices retransmit a request until they hear a response.  Over TLS the
 * provider needs each request once: a retransmission is absorbed here, and
 * the device gets the last response again instead.  A response for a
 * transaction that is not in the table is dropped and counted.
 *
 * The table is keyed by the transaction key of our branch (outbound.h) and
 * the CSeq method (a CANCEL shares its INVITE's branch but is a transaction
 * of its own).  Entries live for 32 s (64*T1, RFC 3261 Timer B/F) after
 * their last activity, 5 s once a final response was relayed.  Open addressing with linear probing keeps it one
 * allocation; it doubles when half full.
 */
#ifndef SC_RELAY_TXN_H
#define SC_RELAY_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/str.h"

#define SC_TXN_LIFETIME_MS 32000u
/* After a final response an entry only waits for retransmissions of a
 * request whose answer got lost: a UDP device repeats at most every 4 s
 * (T2) by then.  Kamailio's tm keeps the same 5 s "wait timer".  Keeping
 * every final response for 32 s cost megabytes at a few hundred calls/s. */
#define SC_TXN_WAIT_MS 5000u

struct sc_txn {
	uint64_t key;     /* 0: free slot */
	uint64_t expires; /* ms */
	char *resp;       /* last response relayed to the device, or NULL */
	size_t resp_len;
	int status;       /* of that response, 0 before any */
	uint64_t link;    /* the TLS connection the request went out on, 0 before */
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

int sc_txn_init(struct sc_txn_table *t);
void sc_txn_free(struct sc_txn_table *t);

/* The key of a transaction: our branch key mixed with the CSeq method. */
uint64_t sc_txn_key(uint64_t branch_key, sc_str method);

/* A request from a device.  For a retransmission, *resp and *resp_len get the
 * last response relayed for it (NULL when none yet) to send again.  Returns
 * SC_TXN_NEW, SC_TXN_RETRANS or -ENOMEM. */
int sc_txn_request(struct sc_txn_table *t, uint64_t key, uint64_t now, const char **resp,
		   size_t *resp_len);

/* The request went out on TLS connection link.  Returns 0 or -ENOENT. */
int sc_txn_sent(struct sc_txn_table *t, uint64_t key, uint64_t link);

/* The connection a transaction's request went out on: 0 when it has not
 * gone out yet, or there is no such transaction. */
uint64_t sc_txn_link(const struct sc_txn_table *t, uint64_t key);

/* A response relayed to the device: remembered (copied) for
 * retransmissions.  Returns 0, -ENOENT when there is no such transaction
 * (drop and count it), -ENOMEM. */
int sc_txn_response(struct sc_txn_table *t, uint64_t key, int status, const char *buf,
		    size_t len, uint64_t now);

/* Forgets transactions idle past their lifetime; returns how many. */
size_t sc_txn_expire(struct sc_txn_table *t, uint64_t now);

#endif
