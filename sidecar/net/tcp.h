/* The LAN's TCP side: listeners from lan.listen, the connections devices
 * open to them, and those the sidecar opens to a device whose own has
 * closed (RFC 3261 §18.2.2: a request goes over a new connection to the
 * device's address).  Bytes in are framed into whole SIP messages
 * (stream.h), CRLFCRLF pings answered with a CRLF; everything else goes to
 * the owner's callbacks, which decide. */
#ifndef SC_NET_TCP_H
#define SC_NET_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "addr.h"
#include "stream.h"

struct sc_tcp;

struct sc_tcp_conn {
	uv_tcp_t h;
	struct sc_tcp_conn *next;
	struct sc_tcp *t;
	struct sc_net_addr peer;
	void *data;          /* the owner's (the device it belongs to) */
	bool closing;
	bool connecting;      /* ours to a device, not up yet */
	uv_connect_t connect; /* ours to a device: while it connects */
	void *spare;          /* the owner's, malloc'd, for a connection of ours: freed
			      * once it is up or closed */
	struct sc_stream_rx rx;
};

struct sc_tcp_cbs {
	/* A new connection; set c->data. */
	void (*on_accept)(void *arg, struct sc_tcp_conn *c);
	/* One whole message. */
	void (*on_message)(void *arg, struct sc_tcp_conn *c, const char *buf, size_t len);
	/* The stream cannot be framed (-EBADMSG) or carries a message over the
	 * limit (-EMSGSIZE), or (a libuv error) a connection of ours to a
	 * device could not be made; the connection is closed after this. */
	void (*on_broken)(void *arg, struct sc_tcp_conn *c, int err);
};

struct sc_tcp {
	uv_loop_t *loop;
	uv_tcp_t *h;         /* listeners */
	size_t n, cap;
	struct sc_tcp_conn *conns;
	struct sc_tcp_cbs cbs;
	void *arg;
	char *buf;           /* the read buffer, shared by every connection */
	size_t bufsz;
};

/* Room for cap listeners.  buf (bufsz bytes, the caller's) is where every
 * connection reads into: a read is framed before the next one, so it can
 * be the buffer the UDP sockets receive into too.  Returns 0 or -ENOMEM. */
int sc_tcp_init(struct sc_tcp *t, uv_loop_t *loop, size_t cap, char *buf, size_t bufsz,
		const struct sc_tcp_cbs *cbs, void *arg);

/* Binds and listens on one more address.  Returns 0 or a libuv error. */
int sc_tcp_listen(struct sc_tcp *t, const struct sockaddr *sa);

/* Writes len bytes (a copy is queued when the socket is full); a
 * connection whose write fails is closed. */
void sc_tcp_send(struct sc_tcp_conn *c, const char *buf, size_t len);

void sc_tcp_conn_close(struct sc_tcp_conn *c);

/* Opens a connection to a device at sa, for data; what is sent on it
 * meanwhile waits until it is up.  A connection that cannot be made is
 * closed (on_broken with the libuv error).  Returns it, or NULL. */
struct sc_tcp_conn *sc_tcp_connect(struct sc_tcp *t, const struct sockaddr *sa, void *data);

/* The newest open connection whose data is data, or from peer. */
struct sc_tcp_conn *sc_tcp_find_data(const struct sc_tcp *t, const void *data);
struct sc_tcp_conn *sc_tcp_find_peer(const struct sc_tcp *t, const struct sockaddr *peer);

/* Closes listeners and connections. */
void sc_tcp_close(struct sc_tcp *t);
void sc_tcp_free(struct sc_tcp *t);

#endif
