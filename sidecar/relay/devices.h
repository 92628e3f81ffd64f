/* The registry of devices and upstreams, by name.
 *
 * Run-time state refers to a device or an upstream through its record here
 * (a stable handle), never through its position in the configuration: a
 * reload that reorders, adds or removes devices must not send one device's
 * calls to another.  A record is looked up by name, keeps what the relay
 * learnt about the device (where it sends from, what it registered), and
 * points at its current settings.
 */
#ifndef SC_RELAY_DEVICES_H
#define SC_RELAY_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/str.h"
#include "../conf/conf.h"
#include "../net/match.h"
#include "../net/addr.h"

struct sc_flow;
struct sc_tls_ctx;

/* How many registered Contacts of one device are remembered with their
 * source (a two-line ATA registers two from two ports). */
#define SC_DEV_LINES 4

/* A Contact a device registered, and where its REGISTER came from: a
 * request for that Contact goes there. */
struct sc_dev_line {
	char hostport[128];      /* the Contact's host[:port] as written ("" unused) */
	struct sc_net_addr src;
	enum sc_transport tp;
	char aor[64];            /* the user part of the To URI it registered ("": none) */
	char contact[256];       /* its Contact URI, as the device wrote it */
};

#define SC_UP_ADDRS 8

struct sc_up {
	const char *name;                       /* the settings' own string */
	const struct sc_conf_upstream *conf;    /* its current settings */
	struct sc_flow *flow;                   /* its shared flow (connection: shared) */
	struct sc_tls_ctx *ctx;                 /* its TLS client context */
	bool replay_challenged; /* it challenged a replayed REGISTER (B7): expiries capped */
	/* attrib.h: the addresses its uri resolves to, its default accept_from. */
	struct sc_net_match addrs[SC_UP_ADDRS];
	size_t naddrs;
};

struct sc_dev {
	const char *name;
	const struct sc_conf_device *conf;
	struct sc_up *up;                       /* the upstream it uses */
	struct sc_flow *flow;                   /* its own flow (connection: per-device) */
	/* Learnt at run time. */
	bool seen;                              /* it has sent something */
	struct sc_net_addr src;                 /* where from, last time */
	enum sc_transport tp;                   /* over which transport */
	struct sc_dev_line lines[SC_DEV_LINES]; /* each registered Contact's source */
	unsigned next_line;                     /* the one to reuse when all are taken */
	/* B7 (register.h): its registration, the REGISTER waiting for an answer. */
	char *reg;                              /* the last one the provider accepted */
	size_t reg_len;
	struct sc_net_addr reg_src;             /* where it came from */
	enum sc_transport reg_tp;
	char reg_callid[128];                   /* its Call-ID ("" when too long) */
	uint32_t reg_shift;                     /* added to that Call-ID's CSeq upstream */
	unsigned replays;
	char *pending;                          /* the REGISTER waiting for an answer (a
						 * binding; NULL for a removal) */
	size_t pending_len;
	uint64_t pending_key;                   /* its transaction; 0: none waits */
	size_t pending_callid_off;              /* its Call-ID, in pending */
	size_t pending_callid_len;
	struct sc_net_addr pending_src;
	enum sc_transport pending_tp;
};

struct sc_devices {
	struct sc_dev **dev;   /* in configuration order: B1 takes the first match */
	size_t ndev;
	struct sc_up **up;
	size_t nup;
};

/* Records for every device and upstream of conf.  Returns 0, -ENOMEM, or
 * -ENOENT when a device names an upstream conf does not have. */
int sc_devices_build(struct sc_devices *r, const struct sc_conf *conf);
void sc_devices_free(struct sc_devices *r);

/* The device or upstream called name (exact, case-sensitive), or NULL. */
struct sc_dev *sc_devices_find(const struct sc_devices *r, sc_str name);
struct sc_up *sc_devices_upstream(const struct sc_devices *r, sc_str name);

#endif
