/* Field handlers: one per kind of value (string, name, host, boolean,
 * duration, choice, listen address, source match, upstream uri), each
 * turning a YAML value into its struct member or saying what is wrong with
 * it.
 *
 * A handler knows its value only; whether the value fits with the other
 * keys is for the table's finish function in schema.c.  The syntax of
 * addresses, ports and source matches is net/'s (addr.c, match.c): here
 * are only the messages that say how to write them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* ---- value syntax ---- */

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

int sc_conf_parse_duration(const char *s, unsigned *seconds)
{
	unsigned long long v = 0;
	unsigned mult = 1;
	const char *p = s;

	if (!s || !is_digit((unsigned char)*p))
		return -EINVAL;
	for (; is_digit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT_MAX)
			return -EINVAL;
	}
	if (*p == 's' || *p == 'm' || *p == 'h') {
		mult = *p == 's' ? 1 : *p == 'm' ? 60 : 3600;
		p++;
	}
	if (*p != '\0' || v > UINT_MAX / mult)
		return -EINVAL;
	*seconds = (unsigned)(v * mult);
	return 0;
}

/* Names end up in logs and metric labels, so they stay plain words. */
bool f_valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
		      ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return i > 0 && i <= CONF_NAME_MAX;
}

/* A DNS name (letters, digits, '-', '_' in dot-separated labels), optionally
 * with a leading "*." when wildcard is allowed. */
static bool valid_dns(const char *s, bool wildcard)
{
	size_t label = 0, i;

	if (wildcard && s[0] == '*' && s[1] == '.')
		s += 2;
	if (strlen(s) > 253)
		return false;
	for (i = 0; s[i]; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
			   ch == '-' || ch == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* host[:port] with a DNS name, an IPv4 address or a bracketed IPv6
 * address (a bare IPv6 address is accepted when it has no port). */
static bool valid_hostport(const char *s, bool allow_port)
{
	char host[256];
	uint8_t a[16];
	uint16_t port;
	bool br;

	if (sc_net_hostport_split(s, strlen(s), host, sizeof(host), &port, &br) != 0 || (port && !allow_port))
		return false;
	if (br || strchr(host, ':'))
		return inet_pton(AF_INET6, host, a) == 1;
	return valid_dns(host, false) || inet_pton(AF_INET, host, a) == 1;
}

/* ---- strings and names ---- */

void f_str(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = ld_scalar(ld, n, f->name);
	char **d = ld_dst(obj, f->off);

	if (!s)
		return;
	if (!*s) {
		ERR(ld, n, "%s is empty", f->name);
		return;
	}
	free(*d);
	*d = ld_strdup(ld, s);
}

void f_name(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = ld_scalar(ld, n, f->name);

	if (s && !f_valid_name(s)) {
		ERR(ld, n,
		    "%s '%s' may only contain letters, digits, '.', '_' and '-' (at most %d)",
		    f->name, ld_qs(ld, s), CONF_NAME_MAX);
		return;
	}
	if (s)
		f_str(ld, n, obj, f);
}

void f_host(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = ld_scalar(ld, n, f->name);
	bool ok;

	if (!s)
		return;
	ok = f->arg == 2 ? valid_dns(s, true) : valid_hostport(s, f->arg == 1);
	if (!ok) {
		ERR(ld, n, "%s '%s' is not a host name or address%s", f->name, ld_qs(ld, s),
		    f->arg == 1 ? " (with an optional :port; IPv6 in [brackets])" : "");
		return;
	}
	f_str(ld, n, obj, f);
}

/* POSIX's portable user names do not start with '-'. */
void f_user(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = ld_scalar(ld, n, f->name);

	if (s && (!f_valid_name(s) || s[0] == '-')) {
		ERR(ld, n, "user '%s' is not a valid user name", ld_qs(ld, s));
		return;
	}
	if (s)
		f_str(ld, n, obj, f);
}

/* ---- booleans, durations, choices ---- */

void f_bool(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	const char *s = ld_scalar(ld, n, f->name);
	bool *d = ld_dst(obj, f->off);
	size_t i;

	if (!s)
		return;
	for (i = 0; i < 3; i++) {
		if (!strcasecmp(s, yes[i])) {
			*d = true;
			return;
		}
		if (!strcasecmp(s, no[i])) {
			*d = false;
			return;
		}
	}
	ERR(ld, n, "%s must be true or false, not '%s'", f->name, ld_qs(ld, s));
}

void f_duration(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = ld_scalar(ld, n, f->name);

	if (s && sc_conf_parse_duration(s, ld_dst(obj, f->off)) != 0)
		ERR(ld, n, "%s: '%s' is not a duration (use 30s, 5m, 1h or seconds)", f->name,
		    ld_qs(ld, s));
}

struct choice {
	const char *name;
	int value;
};

/* The value of n among choices, or -1 after reporting. */
static int choose(struct ld *ld, yaml_node_t *n, const char *what, const struct choice *ch)
{
	const char *s = ld_scalar(ld, n, what);
	char list[128];
	size_t o = 0, i;

	if (!s)
		return -1;
	for (i = 0; ch[i].name; i++)
		if (!strcmp(s, ch[i].name))
			return ch[i].value;
	list[0] = '\0';
	for (i = 0; ch[i].name; i++)
		ld_join(list, sizeof(list), &o, ch[i].name);
	ERR(ld, n, "%s '%s' is not one of: %s", what, ld_qs(ld, s), list);
	return -1;
}

/* The level names are base/log's, so that the file and the log lines spell
 * them the same way. */
void f_level(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	enum sc_log_level *d = ld_dst(obj, f->off);
	const char *s = ld_scalar(ld, n, "log level");
	char list[128];
	size_t o = 0;
	int v;

	if (!s)
		return;
	v = sc_log_level_parse(s);
	if (v >= 0) {
		*d = (enum sc_log_level)v;
		return;
	}
	list[0] = '\0';
	for (v = 0; sc_log_level_name(v); v++)
		ld_join(list, sizeof(list), &o, sc_log_level_name(v));
	ERR(ld, n, "log level '%s' is not one of: %s", ld_qs(ld, s), list);
}

void f_target(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "stderr", SC_LOG_STDERR },
					    { "syslog", SC_LOG_SYSLOG }, { NULL, 0 } };
	enum sc_log_target *d = ld_dst(obj, f->off);
	int v = choose(ld, n, "log target", ch);

	if (v >= 0)
		*d = (enum sc_log_target)v;
}

void f_connection(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "per-device", SC_CONN_PER_DEVICE },
					    { "shared", SC_CONN_SHARED }, { NULL, 0 } };
	enum sc_conn_mode *d = ld_dst(obj, f->off);
	int v = choose(ld, n, "connection", ch);

	if (v >= 0)
		*d = (enum sc_conn_mode)v;
}

/* YAML reads an unquoted 1.2 as a float, but the node keeps the text. */
void f_tls_version(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "1.2", 12 }, { "1.3", 13 }, { NULL, 0 } };
	int *d = ld_dst(obj, f->off);
	int v = choose(ld, n, "min_version", ch);

	if (v >= 0)
		*d = v;
}

/* ---- addresses ---- */

static int listen_parse(const char *s, struct sc_conf_listen *l)
{
	static const char *const names[] = { "udp:", "tcp:", "tls:" };
	int t;

	for (t = SC_TP_UDP; t <= SC_TP_TLS; t++) {
		if (!strncasecmp(s, names[t], 4)) {
			l->transport = (enum sc_transport)t;
			return sc_net_addr_parse(s + 4, t == SC_TP_TLS ? 5061 : 5060, &l->addr);
		}
	}
	return -EPROTO;
}

static bool listen_same(const void *entry, const void *key)
{
	const struct sc_conf_listen *a = entry, *b = key;

	return a->transport == b->transport &&
	       sc_net_addr_eq((const struct sockaddr *)&a->addr.ss,
			      (const struct sockaddr *)&b->addr.ss);
}

static const struct twice listen_twice = TWICE(struct sc_conf_listen, listen_same);

void f_listen(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf_listen **arr = ld_dst(obj, f->off), *l;
	size_t *cnt = ld_dst(obj, f->off2);
	bool tls = f->arg == TP_MASK(SC_TP_TLS);
	const char *ex = tls ? "tls:0.0.0.0:5061" : "udp:0.0.0.0:5060";
	long len = ld_seq_len(ld, n, "listen", tls ? "e.g. [ \"tls:0.0.0.0:5061\" ]"
						   : "e.g. [ \"udp:0.0.0.0:5060\" ]", true), i;
	const char *s;
	int rc;

	if (len < 0)
		return;
	if (len == 0 && !tls) {
		ERR(ld, n, "lan listen is empty: list at least one address, or remove the key "
			   "for the default udp:0.0.0.0:5060");
		return;
	}
	/* The file's list replaces the default one. */
	free(*arr);
	*cnt = 0;
	*arr = ld_calloc(ld, (size_t)len, sizeof(**arr));
	if (!*arr)
		return;
	for (i = 0; i < len && !ld->stop; i++) {
		yaml_node_t *it = ld_seq_item(ld, n, i);

		l = &(*arr)[*cnt];
		s = ld_scalar(ld, it, "a listen entry");
		if (!s)
			continue;
		rc = listen_parse(s, l);
		if (rc == -EPROTO) {
			if (tls)
				ERR(ld, it, "listen entry '%s' needs a transport: write tls:%s",
				    ld_qs(ld, s), ld_qs(ld, s));
			else
				ERR(ld, it, "listen entry '%s' needs a transport: write udp:%s or tcp:%s",
				    ld_qs(ld, s), ld_qs(ld, s), ld_qs(ld, s));
			continue;
		}
		if (rc != 0) {
			ERR(ld, it,
			    "'%s' is not an address to listen on (use %.4sIP:PORT, e.g. %s or %.4s[::]:%s)",
			    ld_qs(ld, s), ex, ex, ex, tls ? "5061" : "5060");
			continue;
		}
		if (!(f->arg & TP_MASK(l->transport))) {
			ERR(ld, it, tls ? "wan listens with tls: only ('%s'); plain SIP from devices goes under lan.listen"
					: "lan listens with udp: and tcp: only ('%s'); TLS from providers goes under wan.listen",
			    ld_qs(ld, s));
			continue;
		}
		if (ld_twice(ld, it, &listen_twice, *arr, *cnt, l, "'%s' is listed", ld_qs(ld, s)))
			continue;
		ld_set_pos(ld, &l->pos, it);
		(*cnt)++;
	}
}

static bool match_node(struct ld *ld, yaml_node_t *n, const char *what, struct sc_net_match *m)
{
	const char *s = ld_scalar(ld, n, what);
	char buf[64];
	bool host_bits;

	if (!s)
		return false;
	if (sc_net_match_parse(s, m, &host_bits) != 0) {
		ERR(ld, n,
		    "%s '%s' is not an address, address:port or CIDR (e.g. 192.168.1.20, "
		    "192.168.1.5:5060, 192.168.1.0/24, [2001:db8::5]:5060, 2001:db8::/32)",
		    what, ld_qs(ld, s));
		return false;
	}
	if (host_bits)
		WARN(ld, n, "%s '%s' has bits set past its prefix; it is read as %s", what,
		     ld_qs(ld, s), sc_net_match_text(m, buf, sizeof(buf)));
	return true;
}

void f_match(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_net_match m;

	if (match_node(ld, n, f->name, &m))
		memcpy(ld_dst(obj, f->off), &m, sizeof(m));
}

void f_match_list(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_net_match **arr = ld_dst(obj, f->off);
	size_t *cnt = ld_dst(obj, f->off2);
	long len = ld_seq_len(ld, n, f->name, "e.g. [ 192.168.1.0/24 ]", true), i;
	char what[40];

	if (len <= 0)
		return;
	snprintf(what, sizeof(what), "%s entry", f->name);
	*arr = ld_calloc(ld, (size_t)len, sizeof(**arr));
	for (i = 0; *arr && i < len && !ld->stop; i++)
		if (match_node(ld, ld_seq_item(ld, n, i), what, &(*arr)[*cnt]))
			(*cnt)++;
}

static bool addr_node(struct ld *ld, yaml_node_t *n, const struct field *f,
		      struct sc_net_addr *a)
{
	const char *s = ld_scalar(ld, n, f->name);

	if (!s)
		return false;
	if (sc_net_addr_parse(s, (uint16_t)f->arg, a) == 0)
		return true;
	ERR(ld, n, "%s '%s' is not an IP address%s (IPv6 in [brackets], e.g. [::1]:8061)",
	    f->name, ld_qs(ld, s), f->arg ? " with an optional :port" : " and port");
	return false;
}

void f_addr(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	addr_node(ld, n, f, ld_dst(obj, f->off));
}

/* An address nothing reads yet (status.listen, whose endpoint is not
 * built): checked all the same, so that a file valid today stays valid
 * when it is. */
void f_addr_check(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_net_addr a;

	(void)obj;
	addr_node(ld, n, f, &a);
}

/* ---- upstream uri ---- */

/* Parses an upstream uri: sips:host[:port], sip:host[:port];transport=tls,
 * or host[:port].  Returns NULL or why it is wrong. */
static const char *uri_parse(struct ld *ld, const char *s, struct sc_conf_upstream *u)
{
	char hp[300], host[256];
	const char *params = NULL, *p;
	bool sips = false, sip = false, tls_param = false, br;
	uint16_t port;
	size_t len;

	if (!strncasecmp(s, "sips:", 5)) {
		sips = true;
		s += 5;
	} else if (!strncasecmp(s, "sip:", 4)) {
		sip = true;
		s += 4;
	} else if (strstr(s, "://")) {
		return "is not a SIP URI: use sips:HOST, sip:HOST;transport=tls or HOST:PORT";
	}
	if (strchr(s, '@'))
		return "must not have a user part (write only the provider's host)";
	p = strchr(s, ';');
	len = p ? (size_t)(p - s) : strlen(s);
	if (p) {
		if (!sip && !sips)
			return "has parameters but no sips: or sip: scheme";
		params = p + 1;
	}
	while (params && *params) {
		const char *e = strchr(params, ';');
		size_t pl = e ? (size_t)(e - params) : strlen(params);

		if (pl == 13 && !strncasecmp(params, "transport=tls", 13))
			tls_param = true;
		else if (!(pl == 13 && sips && !strncasecmp(params, "transport=tcp", 13)) &&
			 !(pl == 2 && !strncasecmp(params, "lr", 2)))
			return "has a parameter other than transport=tls or lr";
		params = e ? e + 1 : NULL;
	}
	if (sip && !tls_param)
		return "is plain SIP: write sips:HOST or sip:HOST;transport=tls";
	if (len == 0 || len >= sizeof(hp))
		return "has no host";
	memcpy(hp, s, len);
	hp[len] = '\0';
	if (sc_net_hostport_split(hp, strlen(hp), host, sizeof(host), &port, &br) != 0 || !valid_hostport(hp, true))
		return "does not have a valid host[:port] (IPv6 in [brackets])";
	free(u->host);
	u->host = ld_strdup(ld, host);
	u->port = port;
	return NULL;
}

void f_uri(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf_upstream *u = obj;
	const char *s = ld_scalar(ld, n, f->name), *why;

	if (!s)
		return;
	why = uri_parse(ld, s, u);
	if (why) {
		ERR(ld, n, "uri '%s' %s", ld_qs(ld, s), why);
		return;
	}
	f_str(ld, n, obj, f);
}
