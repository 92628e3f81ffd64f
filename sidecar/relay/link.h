/* The TLS link table: every TLS connection, our flows to upstreams and the
 * connections providers open to wan.listen, each with a number that our
 * LAN Via names (sc-l=, inbound.h) so a device's response goes back on the
 * connection its request came in on (B5).
 *
 * A link frames what it receives into SIP messages, answers CRLFCRLF pings
 * and knows the address the peer should see for us.  Which upstream an
 * accepted connection belongs to is the core's verdict
 * (sc_core_attribute); the link only answers whether the peer's
 * certificate carries a name.
 */
#ifndef SC_RELAY_LINK_H
#define SC_RELAY_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../conf/conf.h"
#include "../net/stream.h"
#include "../tls/conn.h"
#include "devices.h"

struct sc_flow;
struct sc_links;

struct sc_link {
	struct sc_link *next;
	struct sc_links *tab;
	uint64_t id;
	struct sc_tls_conn *conn;
	struct sc_flow *flow;  /* NULL for a connection accepted on wan.listen */
	struct sc_up *up;      /* the upstream it belongs to, NULL when not known */
	bool open;
	bool verified;         /* chain and identity, for this upstream */
	bool got_data;
	unsigned refused;      /* requests refused: it belongs to no upstream (B15) */
	char wan[96];          /* our host:port as this peer should see it */
	struct sc_stream_rx rx;
};

struct sc_link_cbs {
	/* The handshake finished (status 0) or failed. */
	void (*on_open)(void *arg, struct sc_link *l, int status);
	/* Bytes arrived (before they are framed). */
	void (*on_bytes)(void *arg, struct sc_link *l);
	/* One whole SIP message. */
	void (*on_message)(void *arg, struct sc_link *l, const char *buf, size_t len);
	/* The connection is gone; l is freed after this returns. */
	void (*on_close)(void *arg, struct sc_link *l);
};

struct sc_links {
	uv_loop_t *loop;
	uv_tcp_t *listeners;   /* wan.listen */
	size_t nlisteners, cap;
	struct sc_tls_ctx *server;
	const struct sc_conf *conf;
	struct sc_link *head;
	uint64_t next_id;
	struct sc_link_cbs cbs;
	void *arg;
};

/* Room for conf's wan.listen entries.  Returns 0 or -ENOMEM. */
int sc_links_init(struct sc_links *t, uv_loop_t *loop, const struct sc_conf *conf,
		  const struct sc_link_cbs *cbs, void *arg);

/* Listens on one wan.listen address; connections are accepted with the
 * server context ctx.  Returns 0 or a libuv error. */
int sc_links_listen(struct sc_links *t, const struct sockaddr *sa, struct sc_tls_ctx *ctx);

/* Opens a TLS connection to sa for flow f of upstream up.  Returns 0 and
 * the link in *out, or a libuv error (nothing to free). */
int sc_links_dial(struct sc_links *t, struct sc_flow *f, struct sc_up *up,
		  struct sc_tls_ctx *ctx, const char *server_name, const struct sockaddr *sa,
		  struct sc_link **out);

struct sc_link *sc_links_find(const struct sc_links *t, uint64_t id);

/* The link's wan address, or NULL when it is not open (sc_core_link_wan_fn;
 * arg is the table). */
const char *sc_links_wan(void *arg, uint64_t id);

/* Does the peer's certificate carry name (SAN dNSName/iPAddress, CN
 * without SANs; tls/identity.h)?  arg is the link. */
bool sc_link_has_identity(void *arg, const char *name);

/* Sends bytes on an open link.  Returns 0 or a negative errno. */
int sc_link_send(struct sc_link *l, const char *buf, size_t len);

/* Closes a link whose peer no longer answers, at once (no close_notify);
 * on_close follows. */
void sc_link_abort(struct sc_link *l, const char *reason);

/* Closes the listeners and sends close_notify on every link. */
void sc_links_close(struct sc_links *t, const char *reason);
void sc_links_free(struct sc_links *t);

#endif
