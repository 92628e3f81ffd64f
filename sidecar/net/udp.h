/* The LAN's UDP sockets: bound from lan.listen, datagrams in, datagrams
 * out on the socket the destination last sent to (a phone that checks
 * where its answers come from, with two listeners), else the first of its
 * family.  Decides nothing: every datagram but a keep-alive (only CR and
 * LF) goes to the owner's callback. */
#ifndef SC_NET_UDP_H
#define SC_NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "addr.h"

/* A datagram: truncated when it was larger than the receive buffer. */
typedef void sc_udp_recv_fn(void *arg, const struct sockaddr *src, const char *buf, size_t len,
			    bool truncated);

struct sc_udp {
	uv_loop_t *loop;
	uv_udp_t *h;
	int *family;   /* AF_INET or AF_INET6 of each socket, known when bound */
	size_t n, cap;
	sc_udp_recv_fn *recv;
	void *arg;
	char *buf;     /* the receive buffer, max + 1 bytes */
	size_t max;
	struct sc_udp_seen *seen; /* with two sockets or more: which one each
				   * source last sent to, SC_UDP_SEEN slots */
};

#define SC_UDP_SEEN 256

/* A source (its address hash, 0 for none) and the socket it sent to. */
struct sc_udp_seen {
	uint64_t src;
	size_t sock;
};

/* Room for cap sockets and datagrams of up to max bytes.  Returns 0 or
 * -ENOMEM. */
int sc_udp_init(struct sc_udp *u, uv_loop_t *loop, size_t cap, size_t max, sc_udp_recv_fn *recv,
		void *arg);

/* Binds one more socket and starts receiving.  Returns 0 or a libuv
 * error. */
int sc_udp_bind(struct sc_udp *u, const struct sockaddr *sa);

/* Sends len bytes to dst from the first socket of dst's family; a full
 * socket buffer queues a copy.  Returns 0 or a negative errno (nothing
 * sent). */
int sc_udp_send(struct sc_udp *u, const struct sockaddr *dst, const char *buf, size_t len);

/* Closes the sockets (their handles are released by the loop). */
void sc_udp_close(struct sc_udp *u);

/* Frees what init allocated, once the loop has run the close callbacks. */
void sc_udp_free(struct sc_udp *u);

#endif
