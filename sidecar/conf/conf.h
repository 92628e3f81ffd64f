/* Configuration (SPEC §3): YAML parsed once into plain structs.
 *
 * This header is what the rest of the daemon sees: the structs and the
 * load/free API.  Loading collects every problem it finds instead of
 * stopping at the first, each with the 1-based line and column of the YAML
 * node it is about (diag.h), so that `sipsidecar check` can print them all as
 * FILE:LINE:COL: message.  The running code never sees YAML; on SIGHUP a new
 * struct sc_conf is loaded in full and swapped in only when it has no errors.
 *
 * The keys, their defaults and the checks between them are in schema.c.
 */
#ifndef SC_CONF_H
#define SC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "../base/log.h"
#include "../net/addr.h"
#include "../net/match.h"
#include "diag.h"

#define SC_CONF_DEFAULT_PATH "/etc/sipsidecar/sipsidecar.yaml"
#define SC_CONF_DEFAULT_CA "/etc/ssl/certs/ca-certificates.crt"
/* Seconds a TLS handshake may take: an upstream's handshake_timeout when it
 * sets none, and the wan server's, which has no key for it. */
#define SC_CONF_HANDSHAKE_DEFAULT 10

/* Where in the YAML file something was written (1-based), for messages
 * printed long after loading ("device kitchen-ata (sipsidecar.yaml:31:5)"). */
struct sc_conf_pos {
	int line;
	int col;
};

struct sc_conf_listen {
	enum sc_transport transport;
	struct sc_net_addr addr;
	struct sc_conf_pos pos;
};

struct sc_conf_server_name {
	char *name;
	char *certificate;
	char *private_key;
	struct sc_conf_pos pos;
};

enum sc_conn_mode {
	SC_CONN_PER_DEVICE = 0,
	SC_CONN_SHARED = 1,
};

struct sc_conf_upstream {
	char *name;
	char *uri;          /* as written */
	char *host;         /* host part of uri, IPv6 without brackets; resolved to A/AAAA
			     * (no NAPTR or SRV lookup is built yet) */
	uint16_t port;      /* 0 when the uri has none: 5061 is used then */
	char *server_name;  /* SNI and expected identity; defaults to host */
	char *ca_file;      /* defaults to SC_CONF_DEFAULT_CA when verify is on */
	bool verify;
	char *certificate;  /* optional client certificate chain (mutual TLS) */
	char *private_key;
	int min_version;    /* 12 for "1.2", 13 for "1.3" */
	char *ciphers;      /* NULL: wolfSSL's defaults */
	enum sc_conn_mode connection;
	unsigned keepalive;         /* seconds; 0 disables keep-alives */
	unsigned handshake_timeout; /* seconds */
	bool trusted;
	unsigned reregister_max;    /* seconds: the longest expiry devices get once a
				     * replayed REGISTER was challenged (B7) */
	struct sc_net_match *accept_from; /* sources on wan.listen that count as this
					   * upstream (B15); none: the addresses its
					   * uri resolves to */
	size_t naccept_from;
	struct sc_conf_pos pos;
};

struct sc_conf_device {
	char *name;
	struct sc_net_match match;
	char *upstream_name;
	char *alert_info;   /* resolved header value ("Bellcore-dr4", "<http://...>"), NULL for none */
	char *snom_url;     /* for alert_info: snom */
	bool has_address;   /* static device */
	struct sc_net_addr address;
	struct sc_conf_pos pos;
};

/* Defaults are not repeated here: each key's is in its entry in schema.c. */
struct sc_conf {
	char *path; /* as given, "-" for stdin */

	enum sc_log_level log_level;
	enum sc_log_target log_target;

	struct {
		struct sc_conf_listen *listen; /* never empty after a load */
		size_t nlisten;
		char *advertise;               /* NULL: derive from the listen address */
		struct sc_net_match *allow;   /* empty: no restriction beyond devices */
		size_t nallow;
	} lan;

	struct {
		bool enabled;                  /* a wan: section was given */
		struct sc_conf_listen *listen;
		size_t nlisten;
		char *advertise;               /* host[:port]; NULL: local address of each connection */
		char *certificate;
		char *private_key;
		char *ca_file;
		bool verify_client;
		bool require_client_certificate;
		struct sc_conf_server_name *server_names;
		size_t nserver_names;
		unsigned handshake_timeout;    /* seconds; no key: SC_CONF_HANDSHAKE_DEFAULT */
	} wan;

	struct sc_conf_upstream *upstreams;
	size_t nupstreams;
	struct sc_conf_device *devices;
	size_t ndevices;

	/* status.listen is checked but not kept: the endpoint is not built yet. */
	struct {
		bool enabled;
	} status;

	char *user; /* drop privileges to this user after binding (B12); NULL: stay */
};

/* Skip the checks that open files (existence, certificate parsing, key
 * match); the fuzzer uses this to stay deterministic. */
#define SC_CONF_NO_FILES 0x1u

/* Loads path ("-" reads stdin).  Returns 0 and stores a new config in *out
 * when there are no errors (warnings are allowed), or -EINVAL with *out NULL
 * and the problems in dg.  dg must be zero-initialised or freed before. */
int sc_conf_load_file(const char *path, unsigned flags, struct sc_conf **out,
		      struct sc_diags *dg);
/* Same, from memory; name is what messages print as the file name. */
int sc_conf_load_buf(const char *name, const char *buf, size_t len, unsigned flags,
		     struct sc_conf **out, struct sc_diags *dg);
void sc_conf_free(struct sc_conf *c);

/* Parses a duration: "30s", "5m", "1h" or plain seconds (fields.c, the syntax
 * of every duration key).  Returns 0 or -EINVAL. */
int sc_conf_parse_duration(const char *s, unsigned *seconds);

#endif
