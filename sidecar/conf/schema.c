/* The schema (SPEC §3): every key, its handler and its default, one table
 * per mapping, and the checks between keys.  This is the one place to add
 * a key.
 *
 * A table's order is the order its handlers run in.  Each entry names its
 * default as the value would be written in the file; load.c feeds it to the
 * same handler before the file's value, so defaults never live in code.
 * The finish functions run once every key of a mapping is known and hold
 * what needs more than one value: pairs that go together, references by
 * name, the defaults that depend on another key (ca_file, server_name), and
 * the file checks of files.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* key, handler, struct, member[, arg], default. */
#define FLD(key, fn, type, member, def) { key, fn, offsetof(type, member), 0, 0, NULL, def }
#define FLDA(key, fn, type, member, a, def) { key, fn, offsetof(type, member), 0, a, NULL, def }
#define FLD2(key, fn, type, m1, m2, a, def)                                   \
	{ key, fn, offsetof(type, m1), offsetof(type, m2), a, NULL, def }
/* A key whose handler builds its own entries (a list or mapping of them). */
#define ENTRIES(key, fn) { key, fn, 0, 0, 0, NULL, NULL }
/* A section: a mapping of more keys of the same struct. */
#define SECTION(key, table) { key, f_section, 0, 0, 0, &table, NULL }
#define TABLE(fields, fin) { fields, sizeof(fields) / sizeof(fields[0]), fin }

#define STR_(x) #x
#define STR(x) STR_(x)

static void f_section(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	char where[64];

	snprintf(where, sizeof(where), "in %s", f->name);
	ld_walk(ld, n, where, f->sub, obj);
}

/* certificate and private_key go together; cn/kn are their keys. */
static void check_pair_keys(struct ld *ld, const struct kv *cn, const struct kv *kn,
			    const char *where)
{
	if (cn->v && !kn->v)
		ERR(ld, cn->k, "certificate %s needs a private_key next to it", where);
	if (kn->v && !cn->v)
		ERR(ld, kn->k, "private_key %s needs a certificate next to it", where);
}

/* ---- log ---- */

static const struct field log_fields[] = {
	FLD("level", f_level, struct sc_conf, log_level, "info"),
	FLD("target", f_target, struct sc_conf, log_target, "stderr"),
};
static const struct table log_table = TABLE(log_fields, NULL);

/* ---- lan ---- */

static const struct field lan_fields[] = {
	FLD2("listen", f_listen, struct sc_conf, lan.listen, lan.nlisten,
	     TP_MASK(SC_TP_UDP) | TP_MASK(SC_TP_TCP), "udp:0.0.0.0:5060"),
	/* None: the listen address, or the interface's for 0.0.0.0. */
	FLDA("advertise", f_host, struct sc_conf, lan.advertise, 1, NULL),
	/* None: no restriction beyond the devices' matches. */
	FLD2("allow", f_match_list, struct sc_conf, lan.allow, lan.nallow, 0, NULL),
};
static const struct table lan_table = TABLE(lan_fields, NULL);

/* ---- wan.server_names entries ---- */

enum { SN_NAME, SN_CERT, SN_KEY };
static const struct field sn_fields[] = {
	[SN_NAME] = FLDA("name", f_host, struct sc_conf_server_name, name, 2, NULL),
	[SN_CERT] = FLD("certificate", f_str, struct sc_conf_server_name, certificate, NULL),
	[SN_KEY] = FLD("private_key", f_str, struct sc_conf_server_name, private_key, NULL),
};

/* SNI names are compared without case, as DNS names are. */
static bool sn_same(const void *entry, const void *key)
{
	const struct sc_conf_server_name *sn = entry;

	return sn->name && !strcasecmp(sn->name, key);
}

static const struct twice sn_twice = TWICE(struct sc_conf_server_name, sn_same);

static void finish_server_name(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_server_name *sn = obj, *all = ld->c->wan.server_names;

	if (!kv[SN_NAME].v) {
		ERR(ld, n, "a server_names entry needs a name (the SNI host name)");
		return;
	}
	if (!kv[SN_CERT].v || !kv[SN_KEY].v) {
		ERR(ld, n, "server name '%s' needs both certificate and private_key",
		    sn->name ? sn->name : "?");
		return;
	}
	if (sn->name)
		ld_twice(ld, kv[SN_NAME].v, &sn_twice, all, (size_t)(sn - all), sn->name,
			 "server name '%s' is listed", sn->name);
	files_check_pair(ld, kv[SN_CERT].v, kv[SN_KEY].v, sn->certificate, sn->private_key);
}

static const struct table sn_table = TABLE(sn_fields, finish_server_name);

static void f_server_names(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf *c = obj;
	long len = ld_seq_len(ld, n, f->name, "entries of name, certificate, private_key", false), i;

	if (len <= 0)
		return;
	c->wan.server_names = ld_calloc(ld, (size_t)len, sizeof(*c->wan.server_names));
	for (i = 0; c->wan.server_names && i < len && !ld->stop; i++) {
		yaml_node_t *it = ld_seq_item(ld, n, i);
		struct sc_conf_server_name *sn = &c->wan.server_names[c->wan.nserver_names++];

		ld_set_pos(ld, &sn->pos, it);
		ld_defaults(ld, &sn_table, sn);
		ld_walk(ld, it, "in a server_names entry", &sn_table, sn);
	}
}

/* ---- wan ---- */

enum { W_LISTEN, W_ADVERTISE, W_CERT, W_KEY, W_CA, W_VERIFY, W_REQUIRE, W_SNI };
static const struct field wan_fields[] = {
	/* None: without listen, providers cannot open connections to us. */
	[W_LISTEN] = FLD2("listen", f_listen, struct sc_conf, wan.listen, wan.nlisten,
			  TP_MASK(SC_TP_TLS), NULL),
	/* None: the local address of each connection. */
	[W_ADVERTISE] = FLDA("advertise", f_host, struct sc_conf, wan.advertise, 1, NULL),
	[W_CERT] = FLD("certificate", f_str, struct sc_conf, wan.certificate, NULL),
	[W_KEY] = FLD("private_key", f_str, struct sc_conf, wan.private_key, NULL),
	/* None, or SC_CONF_DEFAULT_CA with verify_client (finish_wan). */
	[W_CA] = FLD("ca_file", f_str, struct sc_conf, wan.ca_file, NULL),
	[W_VERIFY] = FLD("verify_client", f_bool, struct sc_conf, wan.verify_client, "false"),
	[W_REQUIRE] = FLD("require_client_certificate", f_bool, struct sc_conf,
			  wan.require_client_certificate, "false"),
	[W_SNI] = ENTRIES("server_names", f_server_names),
};

static void finish_wan(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;
	const yaml_node_t *lv;

	if (ld_is_null(n))
		return;
	c->wan.enabled = true;
	check_pair_keys(ld, &kv[W_CERT], &kv[W_KEY], "in wan");
	/* An absent, null or empty list; when it had entries, the wrong ones are
	 * errors already. */
	lv = kv[W_LISTEN].v;
	if (c->wan.nlisten == 0 && (!lv || ld_is_null(lv) ||
				    (lv->type == YAML_SEQUENCE_NODE &&
				     lv->data.sequence.items.top == lv->data.sequence.items.start)))
		WARN(ld, kv[W_LISTEN].v ? kv[W_LISTEN].v : n,
		     "wan has no listen address, so providers cannot open connections to it");
	else if (!kv[W_CERT].v && !kv[W_KEY].v)
		ERR(ld, kv[W_LISTEN].v,
		    "wan listen needs certificate and private_key (the server certificate "
		    "providers see)");
	if (c->wan.require_client_certificate && !c->wan.verify_client)
		ERR(ld, kv[W_REQUIRE].v,
		    "require_client_certificate: true needs verify_client: true");
	if (c->wan.nserver_names && !kv[W_CERT].v)
		ERR(ld, kv[W_SNI].k,
		    "server_names needs a default certificate and private_key in wan as well");
	/* Client certificates can only be verified against some CA list. */
	if (c->wan.verify_client && !c->wan.ca_file)
		c->wan.ca_file = ld_strdup(ld, SC_CONF_DEFAULT_CA);
	files_check_pair(ld, kv[W_CERT].v, kv[W_KEY].v, c->wan.certificate, c->wan.private_key);
	if (c->wan.ca_file)
		files_check_ca(ld, kv[W_CA].v ? kv[W_CA].v : kv[W_VERIFY].v, NULL, c->wan.ca_file,
			       !kv[W_CA].v);
}

static const struct table wan_table = TABLE(wan_fields, finish_wan);

/* ---- upstreams ---- */

enum { U_URI, U_SNI, U_CA, U_VERIFY, U_CERT, U_KEY, U_MINV, U_CIPHERS, U_CONN, U_KEEPALIVE,
       U_HANDSHAKE, U_TRUSTED, U_REREG, U_ACCEPT };
static const struct field up_fields[] = {
	[U_URI] = FLD("uri", f_uri, struct sc_conf_upstream, uri, NULL),
	/* None: the uri's host (finish_upstream). */
	[U_SNI] = FLDA("server_name", f_host, struct sc_conf_upstream, server_name, 0, NULL),
	/* None, or SC_CONF_DEFAULT_CA with verify (finish_upstream). */
	[U_CA] = FLD("ca_file", f_str, struct sc_conf_upstream, ca_file, NULL),
	[U_VERIFY] = FLD("verify", f_bool, struct sc_conf_upstream, verify, "true"),
	[U_CERT] = FLD("certificate", f_str, struct sc_conf_upstream, certificate, NULL),
	[U_KEY] = FLD("private_key", f_str, struct sc_conf_upstream, private_key, NULL),
	[U_MINV] = FLD("min_version", f_tls_version, struct sc_conf_upstream, min_version, "1.2"),
	/* None: wolfSSL's defaults (tls/ctx.c). */
	[U_CIPHERS] = FLD("ciphers", f_str, struct sc_conf_upstream, ciphers, NULL),
	[U_CONN] = FLD("connection", f_connection, struct sc_conf_upstream, connection,
		       "per-device"),
	[U_KEEPALIVE] = FLD("keepalive", f_duration, struct sc_conf_upstream, keepalive, "30s"),
	[U_HANDSHAKE] = FLD("handshake_timeout", f_duration, struct sc_conf_upstream,
			    handshake_timeout, STR(SC_CONF_HANDSHAKE_DEFAULT) "s"),
	[U_TRUSTED] = FLD("trusted", f_bool, struct sc_conf_upstream, trusted, "false"),
	[U_REREG] = FLD("reregister_max", f_duration, struct sc_conf_upstream, reregister_max,
			"120s"),
	/* None: the addresses the uri resolves to (relay/attrib.c). */
	[U_ACCEPT] = FLD2("accept_from", f_match_list, struct sc_conf_upstream, accept_from,
			  naccept_from, 0, NULL),
};

static void finish_upstream(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_upstream *u = obj;
	char where[100];

	(void)n;
	snprintf(where, sizeof(where), "in upstream '%s'", u->name);
	if (!kv[U_URI].v)
		ERR_AT(ld, &u->pos, "upstream '%s' needs a uri (e.g. uri: sips:sip.provider.example)",
		       u->name);
	if (!u->server_name && u->host) {
		u->server_name = ld_strdup(ld, u->host);
		if (u->verify && sc_net_is_ip(u->host))
			WARN(ld, kv[U_URI].v,
			     "upstream '%s' is an IP address: its certificate must name that "
			     "address, or set server_name to the name it carries",
			     u->name);
	}
	check_pair_keys(ld, &kv[U_CERT], &kv[U_KEY], where);
	if (kv[U_HANDSHAKE].v && u->handshake_timeout == 0)
		ERR(ld, kv[U_HANDSHAKE].v, "handshake_timeout must be more than 0");
	/* An expiry of 0 would remove the device's registration. */
	if (kv[U_REREG].v && u->reregister_max == 0)
		ERR(ld, kv[U_REREG].v,
		    "reregister_max must be more than 0 (an expiry of 0 removes a registration)");
	if (!u->verify) {
		WARN(ld, kv[U_VERIFY].v,
		     "verify is off for upstream '%s': anyone on the path can pose as the "
		     "provider and listen to calls",
		     u->name);
		if (u->trusted)
			WARN(ld, kv[U_TRUSTED].v,
			     "trusted has no effect while verify is off: only verified "
			     "connections are trust-marked");
	}
	/* Without verify, no CA list is needed, and a missing default one must
	 * not fail the check. */
	if (u->verify && !u->ca_file)
		u->ca_file = ld_strdup(ld, SC_CONF_DEFAULT_CA);
	if (ld->flags & SC_CONF_NO_FILES)
		return;
	files_check_pair(ld, kv[U_CERT].v, kv[U_KEY].v, u->certificate, u->private_key);
	if (u->ca_file)
		files_check_ca(ld, kv[U_CA].v, &u->pos, u->ca_file, !kv[U_CA].v);
	if (u->ciphers)
		files_check_ciphers(ld, kv[U_CIPHERS].v, u->ciphers);
}

static const struct table up_table = TABLE(up_fields, finish_upstream);
_Static_assert(sizeof(up_fields) / sizeof(up_fields[0]) <= CONF_MAX_FIELDS,
	       "CONF_MAX_FIELDS is too small for the largest table");

static bool up_same(const void *entry, const void *key)
{
	return !strcmp(((const struct sc_conf_upstream *)entry)->name, key);
}

static const struct twice up_twice = TWICE(struct sc_conf_upstream, up_same);

static void f_upstreams(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf *c = obj;
	yaml_node_pair_t *p;

	(void)f;
	if (!ld_visit(ld, n) || ld_is_null(n))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "upstreams must be a mapping of names to settings "
			   "(upstreams: { provider: { uri: sips:sip.provider.example } }), not %s",
		    ld_kind(n));
		return;
	}
	c->upstreams = ld_calloc(ld, (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start),
				 sizeof(*c->upstreams));
	for (p = n->data.mapping.pairs.start; c->upstreams && p < n->data.mapping.pairs.top && !ld->stop;
	     p++) {
		yaml_node_t *k = ld_node(ld, p->key), *v = ld_node(ld, p->value);
		struct sc_conf_upstream *u = &c->upstreams[c->nupstreams];
		const char *name = ld_scalar(ld, k, "an upstream name");
		char where[100];

		if (!name)
			continue;
		if (!f_valid_name(name)) {
			ERR(ld, k, "upstream name '%s' may only contain letters, digits, '.', '_' and '-'",
			    ld_qs(ld, name));
			continue;
		}
		if (ld_twice(ld, k, &up_twice, c->upstreams, c->nupstreams, name,
			     "upstream '%s' is defined", name))
			continue;
		u->name = ld_strdup(ld, name);
		if (!u->name)
			break;
		ld_set_pos(ld, &u->pos, k);
		ld_defaults(ld, &up_table, u);
		c->nupstreams++;
		if (ld_is_null(v)) {
			ERR(ld, k, "upstream '%s' has no settings (it needs at least a uri)", name);
			continue;
		}
		snprintf(where, sizeof(where), "in upstream '%s'", name);
		ld_walk(ld, v, where, &up_table, u);
	}
}

/* ---- devices ---- */

enum { D_NAME, D_MATCH, D_UPSTREAM, D_ALERT, D_SNOM, D_ADDRESS };
static const struct field dev_fields[] = {
	[D_NAME] = FLD("name", f_name, struct sc_conf_device, name, NULL),
	[D_MATCH] = FLD("match", f_match, struct sc_conf_device, match, NULL),
	[D_UPSTREAM] = FLD("upstream", f_str, struct sc_conf_device, upstream_name, NULL),
	/* None: no Alert-Info trust marking. */
	[D_ALERT] = FLD("alert_info", f_str, struct sc_conf_device, alert_info, NULL),
	[D_SNOM] = FLD("snom_url", f_str, struct sc_conf_device, snom_url, NULL),
	/* None: the device is known once it registers. */
	[D_ADDRESS] = FLDA("address", f_addr, struct sc_conf_device, address, 5060, NULL),
};

static const char *upstream_names(const struct sc_conf *c, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; i < c->nupstreams; i++)
		ld_join(buf, len, &o, c->upstreams[i].name);
	return buf;
}

/* Turns alert_info into the header value (SPEC §3 presets). */
static void resolve_alert(struct ld *ld, struct sc_conf_device *d, const struct kv *kv)
{
	static const struct {
		const char *name, *value;
	} presets[] = { { "cisco-ata", "Bellcore-dr4" }, { "cisco-7960", "1" } };
	const char *dn = d->name ? d->name : "?";
	size_t i, len;
	char *v;

	if (d->snom_url && (strpbrk(d->snom_url, "<> \"") || !strchr(d->snom_url, ':'))) {
		ERR(ld, kv[D_SNOM].v, "snom_url '%s' is not a URL (e.g. http://192.168.1.1/ring.wav)",
		    ld_qs(ld, d->snom_url));
		return;
	}
	if (d->snom_url && (!d->alert_info || strcasecmp(d->alert_info, "snom")))
		WARN(ld, kv[D_SNOM].k, "snom_url is only used with alert_info: snom");
	if (!d->alert_info)
		return;
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (!strcasecmp(d->alert_info, presets[i].name)) {
			v = ld_strdup(ld, presets[i].value);
			free(d->alert_info);
			d->alert_info = v;
			return;
		}
	}
	if (!strcasecmp(d->alert_info, "snom")) {
		if (!d->snom_url) {
			ERR(ld, kv[D_ALERT].v,
			    "device '%s': alert_info: snom needs snom_url (the ring tone's URL)", dn);
			return;
		}
		len = strlen(d->snom_url) + 3;
		v = malloc(len);
		if (!v) {
			ld->nomem = true;
			return;
		}
		snprintf(v, len, "<%s>", d->snom_url);
		free(d->alert_info);
		d->alert_info = v;
	}
}

static bool dev_same(const void *entry, const void *key)
{
	const struct sc_conf_device *d = entry;

	return d->name && !strcmp(d->name, key);
}

static const struct twice dev_twice = TWICE(struct sc_conf_device, dev_same);

static void finish_device(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_device *d = obj;
	struct sc_conf *c = ld->c;
	const char *dn = d->name ? d->name : "?";
	char names[256], a[64], b[64];
	size_t i;

	if (!kv[D_NAME].v)
		ERR(ld, n, "a device needs a name");
	if (d->name)
		ld_twice(ld, kv[D_NAME].v, &dev_twice, c->devices, (size_t)(d - c->devices), d->name,
			 "device name '%s' is used", d->name);
	if (!kv[D_MATCH].v)
		ERR(ld, n, "device '%s' needs a match (its source address, address:port or CIDR)",
		    dn);
	if (!kv[D_UPSTREAM].v) {
		ERR(ld, n, "device '%s' needs an upstream (defined: %s)", dn,
		    c->nupstreams ? upstream_names(c, names, sizeof(names)) : "none");
	} else if (d->upstream_name) {
		for (i = 0; i < c->nupstreams; i++)
			if (!strcmp(c->upstreams[i].name, d->upstream_name))
				break;
		/* The relay looks the upstream up by name: it must exist. */
		if (i == c->nupstreams && c->nupstreams)
			ERR(ld, kv[D_UPSTREAM].v, "upstream '%s' is not defined (defined: %s)",
			    ld_qs(ld, d->upstream_name), upstream_names(c, names, sizeof(names)));
		else if (i == c->nupstreams)
			ERR(ld, kv[D_UPSTREAM].v,
			    "upstream '%s' is not defined (there is no upstreams section)",
			    ld_qs(ld, d->upstream_name));
	}
	resolve_alert(ld, d, kv);
	d->has_address = kv[D_ADDRESS].v != NULL;
	if (!kv[D_MATCH].v || d->match.family == 0)
		return;
	if (d->has_address && d->address.len &&
	    !sc_net_match_addr(&d->match, (const struct sockaddr *)&d->address.ss))
		WARN(ld, kv[D_ADDRESS].v,
		     "device '%s': address is not covered by its match %s, so the device "
		     "would be refused when it sends from there",
		     dn, sc_net_match_text(&d->match, a, sizeof(a)));
	for (i = 0; i < c->lan.nallow; i++)
		if (sc_net_match_overlap(&c->lan.allow[i], &d->match))
			break;
	if (c->lan.nallow && i == c->lan.nallow)
		WARN(ld, kv[D_MATCH].v,
		     "device '%s' can never be accepted: its match %s is outside every lan.allow "
		     "entry",
		     dn, sc_net_match_text(&d->match, a, sizeof(a)));
	/* Not an error: a catch-all after a narrower match is normal, and the
	 * first match wins. */
	for (i = 0; &c->devices[i] != d; i++) {
		if (c->devices[i].match.family && !memcmp(&c->devices[i].match, &d->match,
							  sizeof(d->match))) {
			WARN(ld, kv[D_MATCH].v,
			     "device '%s' has the same match %s as device '%s' (line %d), which "
			     "comes first and wins",
			     dn, sc_net_match_text(&d->match, b, sizeof(b)),
			     c->devices[i].name ? c->devices[i].name : "?", c->devices[i].pos.line);
			break;
		}
	}
}

static const struct table dev_table = TABLE(dev_fields, finish_device);

static void f_devices(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf *c = obj;
	long len, i;

	if (n->type == YAML_MAPPING_NODE) {
		ld_visit(ld, n);
		ERR(ld, n, "devices must be a list: start each device with '- name: ...'");
		return;
	}
	len = ld_seq_len(ld, n, f->name, "each device starts with '- name: ...'", false);
	if (len <= 0)
		return;
	c->devices = ld_calloc(ld, (size_t)len, sizeof(*c->devices));
	for (i = 0; c->devices && i < len && !ld->stop; i++) {
		yaml_node_t *it = ld_seq_item(ld, n, i);
		struct sc_conf_device *d = &c->devices[c->ndevices++];
		const char *name = ld_map_peek(ld, it, "name");
		char where[120];

		ld_set_pos(ld, &d->pos, it);
		ld_defaults(ld, &dev_table, d);
		if (name)
			snprintf(where, sizeof(where), "in device '%s'", ld_qs(ld, name));
		else
			snprintf(where, sizeof(where), "in device #%ld", i + 1);
		if (ld_is_null(it)) {
			ERR(ld, it, "device #%ld is empty", i + 1);
			continue;
		}
		ld_walk(ld, it, where, &dev_table, d);
	}
}

/* ---- status ---- */

static const struct field status_fields[] = {
	/* Checked but not kept (f_addr_check); the port is mandatory. */
	{ "listen", f_addr_check, 0, 0, 0, NULL, NULL },
};

static void finish_status(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;

	if (ld_is_null(n))
		return;
	c->status.enabled = true;
	if (!kv[0].v)
		ERR(ld, n, "status needs listen (e.g. listen: 127.0.0.1:8061)");
}

static const struct table status_table = TABLE(status_fields, finish_status);

/* ---- the top level ---- */

/* Upstreams come before devices so devices can refer to them, and lan
 * before devices for the allow check. */
enum { R_LOG, R_USER, R_LAN, R_WAN, R_UPSTREAMS, R_DEVICES, R_STATUS };
static const struct field root_fields[] = {
	[R_LOG] = SECTION("log", log_table),
	/* None: keep running as the user that started us. */
	[R_USER] = FLD("user", f_user, struct sc_conf, user, NULL),
	[R_LAN] = SECTION("lan", lan_table),
	[R_WAN] = SECTION("wan", wan_table),
	[R_UPSTREAMS] = ENTRIES("upstreams", f_upstreams),
	[R_DEVICES] = ENTRIES("devices", f_devices),
	[R_STATUS] = SECTION("status", status_table),
};

static void finish_root(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;

	(void)n;
	if (!c->nupstreams)
		WARN(ld, kv[R_UPSTREAMS].k, "no upstreams are defined, so nothing can be relayed");
	if (!c->ndevices)
		WARN(ld, kv[R_DEVICES].k,
		     "no devices are defined, so every request from the LAN is dropped");
}

const struct table schema_root = TABLE(root_fields, finish_root);

void schema_init(struct ld *ld, struct sc_conf *c)
{
	ld_defaults(ld, &schema_root, c);
	/* The wan server has no handshake_timeout key (SPEC §3), but the same
	 * need as an upstream: a peer that stalls must not hold a connection. */
	c->wan.handshake_timeout = SC_CONF_HANDSHAKE_DEFAULT;
}
