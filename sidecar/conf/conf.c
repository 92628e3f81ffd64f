/* Configuration loader (SPEC §3): YAML in, plain structs out.
 *
 * libyaml's document API builds the node tree; a small table per mapping
 * (struct table) says which keys exist and which handler converts each
 * value.  Handlers never stop at a problem: they record it with the node's
 * position and go on, so one `sipsidecar check` shows everything.  The
 * checks that need the whole picture (a device's upstream exists, the pair
 * certificate/private_key is complete, files load) run in each table's
 * finish function, once all of that mapping's keys are known.
 *
 * Aliases make the tree a graph (even a cyclic one: "&a [*a]"), so the walk
 * is driven by the schema, which bounds its depth, and counts the nodes it
 * visits, which bounds its width ("billion laughs").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <yaml.h>

#define LOG_TAG "conf"
#include "conf.h"
#include "../base/log.h"
#include "../tls/cert.h"

/* Limits that keep a hostile or broken file cheap to reject. */
#define CONF_MAX_SIZE (1024 * 1024)
#define CONF_MAX_NODES 100000
#define CONF_MAX_DIAGS 200
#define CONF_MAX_FIELDS 16
#define CONF_NAME_MAX 64

#define TP_MASK(t) (1u << (t))

struct ld;
struct field;

/* A key and its value node, kept per mapping so that cross-checks can point
 * at the value they are about. */
struct kv {
	yaml_node_t *k;
	yaml_node_t *v;
};

typedef void field_fn(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f);

struct table {
	const struct field *f;
	size_t n;
	void (*finish)(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv);
};

struct field {
	const char *name;
	field_fn *fn;
	size_t off;  /* where the handler stores the value, from obj */
	size_t off2; /* a second destination (the count of a list) */
	unsigned arg;
	const struct table *sub;
};

struct ld {
	yaml_document_t doc;
	struct sc_conf *c;
	struct sc_diags *dg;
	unsigned flags;
	size_t nodes;
	bool stop;  /* node or message budget exhausted: unwind quietly */
	bool nomem;
	char qbuf[4][128];
	unsigned qi;
};

/* ---- diagnostics ---- */

static void diags_set_file(struct sc_diags *dg, const char *name)
{
	char *f = strdup(name);

	if (f) {
		free(dg->file);
		dg->file = f;
	}
}

SC_PRINTF(5, 0)
static int diags_vadd(struct sc_diags *dg, bool warning, int line, int col, const char *fmt,
		      va_list ap)
{
	struct sc_diag *d;
	char *msg;
	va_list aq;
	int n;

	/* Count first: even if the message cannot be stored, an error must
	 * still make the load fail. */
	if (warning)
		dg->nwarnings++;
	else
		dg->nerrors++;
	if (dg->n == dg->cap) {
		size_t cap = dg->cap ? dg->cap * 2 : 16;

		d = realloc(dg->d, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		dg->d = d;
		dg->cap = cap;
	}
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	msg = malloc((size_t)n + 1);
	if (!msg)
		return -ENOMEM;
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	d = &dg->d[dg->n++];
	d->line = line;
	d->col = col;
	d->warning = warning;
	d->msg = msg;
	return 0;
}

SC_PRINTF(5, 6)
static void diags_add(struct sc_diags *dg, bool warning, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_vadd(dg, warning, line, col, fmt, ap);
	va_end(ap);
}

/* Records a problem at node n, or at pos when n is NULL, or about the whole
 * file when both are NULL. */
SC_PRINTF(5, 6)
static void ld_msg(struct ld *ld, bool warning, const yaml_node_t *n, const struct sc_conf_pos *pos,
		   const char *fmt, ...)
{
	int line = 0, col = 0;
	va_list ap;

	if (ld->stop)
		return;
	if (n) {
		line = (int)n->start_mark.line + 1;
		col = (int)n->start_mark.column + 1;
	} else if (pos) {
		line = pos->line;
		col = pos->col;
	}
	if (ld->dg->n >= CONF_MAX_DIAGS) {
		diags_add(ld->dg, false, line, col, "too many problems; fix these first");
		ld->stop = true;
		return;
	}
	va_start(ap, fmt);
	if (diags_vadd(ld->dg, warning, line, col, fmt, ap) == -ENOMEM)
		ld->nomem = true;
	va_end(ap);
}

#define ERR(ld, n, ...) ld_msg((ld), false, (n), NULL, __VA_ARGS__)
#define WARN(ld, n, ...) ld_msg((ld), true, (n), NULL, __VA_ARGS__)
#define ERR_AT(ld, pos, ...) ld_msg((ld), false, NULL, (pos), __VA_ARGS__)

/* A value as it may be shown in a message: control characters escaped (they
 * would garble a terminal) and long values cut.  Up to four at a time. */
static const char *q(struct ld *ld, const char *s, size_t len)
{
	char *b = ld->qbuf[ld->qi++ % 4];
	size_t i, o = 0, max = sizeof(ld->qbuf[0]);

	for (i = 0; i < len && o + 8 < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(b + o, max - o, "\\x%02x", ch);
		else
			b[o++] = (char)ch;
	}
	if (i < len)
		o += (size_t)snprintf(b + o, max - o, "...");
	b[o] = '\0';
	return b;
}

static const char *qs(struct ld *ld, const char *s)
{
	return q(ld, s, strlen(s));
}

static void set_pos(struct sc_conf_pos *p, const yaml_node_t *n)
{
	p->line = n ? (int)n->start_mark.line + 1 : 0;
	p->col = n ? (int)n->start_mark.column + 1 : 0;
}

static char *ld_strdup(struct ld *ld, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ld->nomem = true;
	return d;
}

static void *ld_calloc(struct ld *ld, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		ld->nomem = true;
	return p;
}

/* ---- nodes ---- */

static yaml_node_t *node_at(struct ld *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

/* Every node a handler looks at passes here; aliases can make a small file
 * expand into a huge walk, and this is where that ends. */
static bool visit(struct ld *ld, const yaml_node_t *n)
{
	if (ld->stop)
		return false;
	if (++ld->nodes > CONF_MAX_NODES) {
		ERR(ld, n, "the file expands to more than %d YAML nodes (aliases?); giving up",
		    CONF_MAX_NODES);
		ld->stop = true;
		return false;
	}
	return true;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a value";
	}
}

/* The text of a scalar node, or NULL after reporting why it is not one.
 * Control characters are refused everywhere: no value of ours may contain a
 * line break, and some end up in SIP headers (alert_info). */
static const char *scalar(struct ld *ld, yaml_node_t *n, const char *what)
{
	const unsigned char *s;
	size_t i, len;

	if (!visit(ld, n))
		return NULL;
	if (n->type != YAML_SCALAR_NODE) {
		ERR(ld, n, "%s must be a single value, not %s", what, kind(n));
		return NULL;
	}
	if (is_null(n)) {
		ERR(ld, n, "%s needs a value", what);
		return NULL;
	}
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			ERR(ld, n, "%s '%s' contains a control character (line break, tab...)", what,
			    q(ld, (const char *)s, len));
			return NULL;
		}
	}
	return (const char *)s;
}

/* Checks that n is a list (or null, an empty list) and returns its length,
 * or -1 after reporting.  example shows how to write the list; for a list
 * of values (scalar_hint) a lone value gets the exact fix instead. */
static long seq_len(struct ld *ld, yaml_node_t *n, const char *what, const char *example,
		    bool scalar_hint)
{
	if (!visit(ld, n))
		return -1;
	if (is_null(n))
		return 0;
	if (n->type == YAML_SEQUENCE_NODE)
		return (long)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (n->type == YAML_SCALAR_NODE && scalar_hint)
		ERR(ld, n, "%s must be a list, even of one entry: write %s: [ \"%s\" ]", what, what,
		    q(ld, (const char *)n->data.scalar.value, n->data.scalar.length));
	else
		ERR(ld, n, "%s must be a list (%s), not %s", what, example, kind(n));
	return -1;
}

static yaml_node_t *seq_item(struct ld *ld, yaml_node_t *n, long i)
{
	return node_at(ld, n->data.sequence.items.start[i]);
}

/* The value of key in mapping m, without reporting anything: used to name an
 * entry ("device 'kitchen-ata'") before its keys are checked. */
static const char *map_peek(struct ld *ld, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);

		if (k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key) && !is_null(v))
			return (const char *)v->data.scalar.value;
	}
	return NULL;
}

/* Matches the keys of mapping n against table t: unknown and duplicate keys
 * are reported, the others land in kv[] at their field's index.  Returns
 * false when n is not a mapping at all. */
static bool map_walk(struct ld *ld, yaml_node_t *n, const char *where, const struct table *t,
		     struct kv *kv)
{
	yaml_node_pair_t *p;
	size_t i;

	memset(kv, 0, sizeof(*kv) * t->n);
	if (!visit(ld, n))
		return false;
	if (is_null(n))
		return true;
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "expected a mapping (key: value lines) %s, not %s", where, kind(n));
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !ld->stop; p++) {
		yaml_node_t *k = node_at(ld, p->key);
		const char *name;

		if (!visit(ld, k))
			break;
		if (k->type != YAML_SCALAR_NODE) {
			ERR(ld, k, "a key %s must be a plain word, not %s", where, kind(k));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		/* The length too: a YAML key may hide a NUL ("level\0x"). */
		for (i = 0; i < t->n; i++)
			if (!strcmp(name, t->f[i].name) && strlen(name) == k->data.scalar.length)
				break;
		if (i == t->n) {
			char list[256];
			size_t o = 0, j;

			list[0] = '\0';
			for (j = 0; j < t->n && o < sizeof(list); j++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
						      j ? ", " : "", t->f[j].name);
			ERR(ld, k, "unknown key '%s' %s (expected one of: %s)",
			    q(ld, name, k->data.scalar.length), where, list);
			continue;
		}
		if (kv[i].k) {
			ERR(ld, k, "duplicate key '%s' %s (first at line %d)", name, where,
			    (int)kv[i].k->start_mark.line + 1);
			continue;
		}
		kv[i].k = k;
		kv[i].v = node_at(ld, p->value);
	}
	return true;
}

/* Walks mapping n with table t into obj: keys, then each present value's
 * handler in table order, then the table's finish. */
static void walk_object(struct ld *ld, yaml_node_t *n, const char *where, const struct table *t,
			void *obj)
{
	struct kv kv[CONF_MAX_FIELDS];
	size_t i;

	if (!map_walk(ld, n, where, t, kv))
		return;
	for (i = 0; i < t->n && !ld->stop; i++)
		if (kv[i].v && t->f[i].fn)
			t->f[i].fn(ld, kv[i].v, obj, &t->f[i]);
	if (t->finish && !ld->stop)
		t->finish(ld, obj, n, kv);
}

static void *dst(void *obj, size_t off)
{
	return (char *)obj + off;
}

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

/* Names of devices and upstreams end up in logs and metric labels. */
static bool valid_name(const char *s)
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

/* ---- field handlers (obj is the struct the table describes) ---- */

static void f_str(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);
	char **d = dst(obj, f->off);

	if (!s)
		return;
	if (!*s) {
		ERR(ld, n, "%s is empty", f->name);
		return;
	}
	free(*d);
	*d = ld_strdup(ld, s);
}

static void f_name(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);

	if (s && !valid_name(s)) {
		ERR(ld, n,
		    "%s '%s' may only contain letters, digits, '.', '_' and '-' (at most %d)",
		    f->name, qs(ld, s), CONF_NAME_MAX);
		return;
	}
	if (s)
		f_str(ld, n, obj, f);
}

/* arg: 1 when the value may carry a port, 2 for a DNS name that may be a
 * wildcard (SNI names). */
static void f_host(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);
	bool ok;

	if (!s)
		return;
	ok = f->arg == 2 ? valid_dns(s, true) : valid_hostport(s, f->arg == 1);
	if (!ok) {
		ERR(ld, n, "%s '%s' is not a host name or address%s", f->name, qs(ld, s),
		    f->arg == 1 ? " (with an optional :port; IPv6 in [brackets])" : "");
		return;
	}
	f_str(ld, n, obj, f);
}

static void f_bool(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	const char *s = scalar(ld, n, f->name);
	bool *d = dst(obj, f->off);
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
	ERR(ld, n, "%s must be true or false, not '%s'", f->name, qs(ld, s));
}

static void f_duration(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);

	if (s && sc_conf_parse_duration(s, dst(obj, f->off)) != 0)
		ERR(ld, n, "%s: '%s' is not a duration (use 30s, 5m, 1h or seconds)", f->name,
		    qs(ld, s));
}

struct choice {
	const char *name;
	int value;
};

/* The value of n among choices, or -1 after reporting. */
static int choose(struct ld *ld, yaml_node_t *n, const char *what, const struct choice *ch)
{
	const char *s = scalar(ld, n, what);
	char list[128];
	size_t o = 0, i;

	if (!s)
		return -1;
	for (i = 0; ch[i].name; i++)
		if (!strcmp(s, ch[i].name))
			return ch[i].value;
	list[0] = '\0';
	for (i = 0; ch[i].name && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", ch[i].name);
	ERR(ld, n, "%s '%s' is not one of: %s", what, qs(ld, s), list);
	return -1;
}

static void f_level(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "error", SC_LOG_ERROR }, { "warn", SC_LOG_WARN },
					    { "info", SC_LOG_INFO }, { "debug", SC_LOG_DEBUG },
					    { NULL, 0 } };
	enum sc_log_level *d = dst(obj, f->off);
	int v = choose(ld, n, "log level", ch);

	if (v >= 0)
		*d = (enum sc_log_level)v;
}

static void f_target(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "stderr", SC_LOG_STDERR },
					    { "syslog", SC_LOG_SYSLOG }, { NULL, 0 } };
	enum sc_log_target *d = dst(obj, f->off);
	int v = choose(ld, n, "log target", ch);

	if (v >= 0)
		*d = (enum sc_log_target)v;
}

static void f_connection(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "per-device", SC_CONN_PER_DEVICE },
					    { "shared", SC_CONN_SHARED }, { NULL, 0 } };
	enum sc_conn_mode *d = dst(obj, f->off);
	int v = choose(ld, n, "connection", ch);

	if (v >= 0)
		*d = (enum sc_conn_mode)v;
}

/* YAML reads an unquoted 1.2 as a float, but the node keeps the text. */
static void f_tls_version(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	static const struct choice ch[] = { { "1.2", 12 }, { "1.3", 13 }, { NULL, 0 } };
	int *d = dst(obj, f->off);
	int v = choose(ld, n, "min_version", ch);

	if (v >= 0)
		*d = v;
}

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

static bool addr_eq(const struct sc_net_addr *a, const struct sc_net_addr *b)
{
	return a->len == b->len && !memcmp(&a->ss, &b->ss, a->len);
}

/* A list of "udp:HOST:PORT" entries; arg: mask of allowed transports. */
static void f_listen(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf_listen **arr = dst(obj, f->off), *l;
	size_t *cnt = dst(obj, f->off2), j;
	bool tls = f->arg == TP_MASK(SC_TP_TLS);
	const char *ex = tls ? "tls:0.0.0.0:5061" : "udp:0.0.0.0:5060";
	long len = seq_len(ld, n, "listen", tls ? "e.g. [ \"tls:0.0.0.0:5061\" ]"
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
	*arr = ld_calloc(ld, (size_t)len, sizeof(**arr));
	if (!*arr)
		return;
	for (i = 0; i < len && !ld->stop; i++) {
		yaml_node_t *it = seq_item(ld, n, i);

		l = &(*arr)[*cnt];
		s = scalar(ld, it, "a listen entry");
		if (!s)
			continue;
		rc = listen_parse(s, l);
		if (rc == -EPROTO) {
			if (tls)
				ERR(ld, it, "listen entry '%s' needs a transport: write tls:%s",
				    qs(ld, s), qs(ld, s));
			else
				ERR(ld, it, "listen entry '%s' needs a transport: write udp:%s or tcp:%s",
				    qs(ld, s), qs(ld, s), qs(ld, s));
			continue;
		}
		if (rc != 0) {
			ERR(ld, it,
			    "'%s' is not an address to listen on (use %.4sIP:PORT, e.g. %s or %.4s[::]:%s)",
			    qs(ld, s), ex, ex, ex, tls ? "5061" : "5060");
			continue;
		}
		if (!(f->arg & TP_MASK(l->transport))) {
			ERR(ld, it, tls ? "wan listens with tls: only ('%s'); plain SIP from devices goes under lan.listen"
					: "lan listens with udp: and tcp: only ('%s'); TLS from providers goes under wan.listen",
			    qs(ld, s));
			continue;
		}
		for (j = 0; j < *cnt; j++) {
			if ((*arr)[j].transport == l->transport && addr_eq(&(*arr)[j].addr, &l->addr)) {
				ERR(ld, it, "'%s' is listed twice (first at line %d)", qs(ld, s),
				    (*arr)[j].pos.line);
				break;
			}
		}
		if (j < *cnt)
			continue;
		set_pos(&l->pos, it);
		(*cnt)++;
	}
}

static bool match_node(struct ld *ld, yaml_node_t *n, const char *what, struct sc_net_match *m)
{
	const char *s = scalar(ld, n, what);
	char buf[64];
	bool host_bits;

	if (!s)
		return false;
	if (sc_net_match_parse(s, m, &host_bits) != 0) {
		ERR(ld, n,
		    "%s '%s' is not an address, address:port or CIDR (e.g. 192.168.1.20, "
		    "192.168.1.5:5060, 192.168.1.0/24, [2001:db8::5]:5060, 2001:db8::/32)",
		    what, qs(ld, s));
		return false;
	}
	if (host_bits)
		WARN(ld, n, "%s '%s' has bits set past its prefix; it is read as %s", what,
		     qs(ld, s), sc_net_match_text(m, buf, sizeof(buf)));
	return true;
}

static void f_match(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_net_match m;

	if (match_node(ld, n, f->name, &m))
		memcpy(dst(obj, f->off), &m, sizeof(m));
}

static void f_match_list(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_net_match **arr = dst(obj, f->off);
	size_t *cnt = dst(obj, f->off2);
	long len = seq_len(ld, n, f->name, "e.g. [ 192.168.1.0/24 ]", true), i;

	if (len <= 0)
		return;
	*arr = ld_calloc(ld, (size_t)len, sizeof(**arr));
	for (i = 0; *arr && i < len && !ld->stop; i++)
		if (match_node(ld, seq_item(ld, n, i), "allow entry", &(*arr)[*cnt]))
			(*cnt)++;
}

/* arg: the default port, 0 when the port is mandatory. */
static void f_addr(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);

	if (s && sc_net_addr_parse(s, (uint16_t)f->arg, dst(obj, f->off)) != 0)
		ERR(ld, n, "%s '%s' is not an IP address%s (IPv6 in [brackets], e.g. [::1]:8061)",
		    f->name, qs(ld, s), f->arg ? " with an optional :port" : " and port");
}

/* Parses an upstream uri: sips:host[:port], sip:host[:port];transport=tls,
 * or host[:port].  Returns NULL or why it is wrong. */
static const char *uri_parse(struct ld *ld, const char *s, struct sc_conf_upstream *u)
{
	char hp[300], host[256];
	const char *params = NULL, *p;
	bool sip = false, tls_param = false, br;
	uint16_t port;
	size_t len;

	u->uri_sips = false;
	if (!strncasecmp(s, "sips:", 5)) {
		u->uri_sips = true;
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
		if (!sip && !u->uri_sips)
			return "has parameters but no sips: or sip: scheme";
		params = p + 1;
	}
	while (params && *params) {
		const char *e = strchr(params, ';');
		size_t pl = e ? (size_t)(e - params) : strlen(params);

		if (pl == 13 && !strncasecmp(params, "transport=tls", 13))
			tls_param = true;
		else if (!(pl == 13 && u->uri_sips && !strncasecmp(params, "transport=tcp", 13)) &&
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

static void f_uri(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf_upstream *u = obj;
	const char *s = scalar(ld, n, f->name), *why;

	if (!s)
		return;
	why = uri_parse(ld, s, u);
	if (why) {
		ERR(ld, n, "uri '%s' %s", qs(ld, s), why);
		return;
	}
	f_str(ld, n, obj, f);
}

/* ---- tables ---- */

#define FLD(key, fn, type, member) { key, fn, offsetof(type, member), 0, 0, NULL }
#define FLDA(key, fn, type, member, a) { key, fn, offsetof(type, member), 0, a, NULL }
#define FLD2(key, fn, type, m1, m2, a) { key, fn, offsetof(type, m1), offsetof(type, m2), a, NULL }
#define TABLE(fields, fin) { fields, sizeof(fields) / sizeof(fields[0]), fin }

static void f_section(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	char where[64];

	snprintf(where, sizeof(where), "in %s", f->name);
	walk_object(ld, n, where, f->sub, obj);
}

static bool file_ok(struct ld *ld, const yaml_node_t *n, const struct sc_conf_pos *pos,
		    const char *path)
{
	char e[600];

	if (sc_tls_cert_check_file(path, e, sizeof(e)) == 0)
		return true;
	ld_msg(ld, false, n, pos, "%s", e);
	return false;
}

/* certificate and private_key go together; cn/kn are their value nodes. */
static void check_pair_keys(struct ld *ld, const struct kv *cn, const struct kv *kn,
			    const char *where)
{
	if (cn->v && !kn->v)
		ERR(ld, cn->k, "certificate %s needs a private_key next to it", where);
	if (kn->v && !cn->v)
		ERR(ld, kn->k, "private_key %s needs a certificate next to it", where);
}

static void check_pair_files(struct ld *ld, const yaml_node_t *cn, const yaml_node_t *kn,
			     const char *cert, const char *key)
{
	char e[700], date[16];
	time_t na = 0, now;
	bool cert_ok, key_ok;
	struct stat st;
	int rc;

	if (!cert || !key || (ld->flags & SC_CONF_NO_FILES))
		return;
	/* Both, so that both missing files are reported. */
	cert_ok = file_ok(ld, cn, NULL, cert);
	key_ok = file_ok(ld, kn, NULL, key);
	if (!cert_ok || !key_ok)
		return;
	if (stat(key, &st) == 0 && (st.st_mode & S_IROTH))
		WARN(ld, kn, "private key %s is readable by every user: chmod o-r it", key);
	rc = sc_tls_cert_check_pair(cert, key, e, sizeof(e), &na);
	if (rc == -EBADMSG) {
		ERR(ld, kn, "%s", e);
	} else if (rc != 0) {
		ERR(ld, cn, "%s", e);
	} else {
		now = time(NULL);
		if (na - now < (time_t)SC_CONF_EXPIRY_WARN_DAYS * 86400) {
			sc_tls_cert_date(na, date, sizeof(date));
			WARN(ld, cn, "certificate %s expires on %s, in %lld days: renew it", cert,
			     date, (long long)((na - now) / 86400));
		}
	}
}

/* is_default: the file was not named but is the built-in default. */
static void check_ca_file(struct ld *ld, const yaml_node_t *n, const struct sc_conf_pos *pos,
			  const char *ca, bool is_default)
{
	const char *hint = is_default ? " (the default ca_file: install the system CA bundle "
					"or set ca_file)" : "";
	char e[600];

	if (!ca || (ld->flags & SC_CONF_NO_FILES))
		return;
	if (sc_tls_cert_check_file(ca, e, sizeof(e)) != 0 ||
	    sc_tls_cert_check_ca(ca, e, sizeof(e), NULL) != 0)
		ld_msg(ld, false, n, pos, "%s%s", e, hint);
}

/* log */
static const struct field log_fields[] = {
	FLD("level", f_level, struct sc_conf, log_level),
	FLD("target", f_target, struct sc_conf, log_target),
};
static const struct table log_table = TABLE(log_fields, NULL);

/* lan */
static const struct field lan_fields[] = {
	FLD2("listen", f_listen, struct sc_conf, lan.listen, lan.nlisten,
	     TP_MASK(SC_TP_UDP) | TP_MASK(SC_TP_TCP)),
	FLDA("advertise", f_host, struct sc_conf, lan.advertise, 1),
	FLD2("allow", f_match_list, struct sc_conf, lan.allow, lan.nallow, 0),
};
static const struct table lan_table = TABLE(lan_fields, NULL);

/* wan.server_names entries */
enum { SN_NAME, SN_CERT, SN_KEY };
static const struct field sn_fields[] = {
	[SN_NAME] = FLDA("name", f_host, struct sc_conf_server_name, name, 2),
	[SN_CERT] = FLD("certificate", f_str, struct sc_conf_server_name, certificate),
	[SN_KEY] = FLD("private_key", f_str, struct sc_conf_server_name, private_key),
};

static void finish_server_name(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_server_name *sn = obj, *all = ld->c->wan.server_names;
	size_t i;

	if (!kv[SN_NAME].v) {
		ERR(ld, n, "a server_names entry needs a name (the SNI host name)");
		return;
	}
	if (!kv[SN_CERT].v || !kv[SN_KEY].v) {
		ERR(ld, n, "server name '%s' needs both certificate and private_key",
		    sn->name ? sn->name : "?");
		return;
	}
	for (i = 0; sn->name && &all[i] != sn; i++) {
		if (all[i].name && !strcasecmp(all[i].name, sn->name)) {
			ERR(ld, kv[SN_NAME].v, "server name '%s' is listed twice (first at line %d)",
			    sn->name, all[i].pos.line);
			break;
		}
	}
	check_pair_files(ld, kv[SN_CERT].v, kv[SN_KEY].v, sn->certificate, sn->private_key);
}

static const struct table sn_table = TABLE(sn_fields, finish_server_name);

static void f_server_names(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf *c = obj;
	long len = seq_len(ld, n, f->name, "entries of name, certificate, private_key", false), i;

	(void)f;
	if (len <= 0)
		return;
	c->wan.server_names = ld_calloc(ld, (size_t)len, sizeof(*c->wan.server_names));
	for (i = 0; c->wan.server_names && i < len && !ld->stop; i++) {
		yaml_node_t *it = seq_item(ld, n, i);
		struct sc_conf_server_name *sn = &c->wan.server_names[c->wan.nserver_names++];

		set_pos(&sn->pos, it);
		walk_object(ld, it, "in a server_names entry", &sn_table, sn);
	}
}

/* wan */
enum { W_LISTEN, W_ADVERTISE, W_CERT, W_KEY, W_CA, W_VERIFY, W_REQUIRE, W_SNI };
static const struct field wan_fields[] = {
	[W_LISTEN] = FLD2("listen", f_listen, struct sc_conf, wan.listen, wan.nlisten,
			  TP_MASK(SC_TP_TLS)),
	[W_ADVERTISE] = FLDA("advertise", f_host, struct sc_conf, wan.advertise, 1),
	[W_CERT] = FLD("certificate", f_str, struct sc_conf, wan.certificate),
	[W_KEY] = FLD("private_key", f_str, struct sc_conf, wan.private_key),
	[W_CA] = FLD("ca_file", f_str, struct sc_conf, wan.ca_file),
	[W_VERIFY] = FLD("verify_client", f_bool, struct sc_conf, wan.verify_client),
	[W_REQUIRE] = FLD("require_client_certificate", f_bool, struct sc_conf,
			  wan.require_client_certificate),
	[W_SNI] = { "server_names", f_server_names, 0, 0, 0, NULL },
};

static void finish_wan(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;
	const yaml_node_t *lv;

	if (is_null(n))
		return;
	c->wan.enabled = true;
	check_pair_keys(ld, &kv[W_CERT], &kv[W_KEY], "in wan");
	/* An absent, null or empty list; when it had entries, the wrong ones are
	 * errors already. */
	lv = kv[W_LISTEN].v;
	if (c->wan.nlisten == 0 && (!lv || is_null(lv) ||
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
	if (c->wan.verify_client && !c->wan.ca_file)
		c->wan.ca_file = ld_strdup(ld, SC_CONF_DEFAULT_CA);
	check_pair_files(ld, kv[W_CERT].v, kv[W_KEY].v, c->wan.certificate, c->wan.private_key);
	if (c->wan.ca_file)
		check_ca_file(ld, kv[W_CA].v ? kv[W_CA].v : kv[W_VERIFY].v, NULL, c->wan.ca_file,
			      !kv[W_CA].v);
}

static const struct table wan_table = TABLE(wan_fields, finish_wan);

/* upstreams */
enum { U_URI, U_SNI, U_CA, U_VERIFY, U_CERT, U_KEY, U_MINV, U_CIPHERS, U_CONN, U_KEEPALIVE,
       U_HANDSHAKE, U_TRUSTED };
static const struct field up_fields[] = {
	[U_URI] = FLD("uri", f_uri, struct sc_conf_upstream, uri),
	[U_SNI] = FLDA("server_name", f_host, struct sc_conf_upstream, server_name, 0),
	[U_CA] = FLD("ca_file", f_str, struct sc_conf_upstream, ca_file),
	[U_VERIFY] = FLD("verify", f_bool, struct sc_conf_upstream, verify),
	[U_CERT] = FLD("certificate", f_str, struct sc_conf_upstream, certificate),
	[U_KEY] = FLD("private_key", f_str, struct sc_conf_upstream, private_key),
	[U_MINV] = FLD("min_version", f_tls_version, struct sc_conf_upstream, min_version),
	[U_CIPHERS] = FLD("ciphers", f_str, struct sc_conf_upstream, ciphers),
	[U_CONN] = FLD("connection", f_connection, struct sc_conf_upstream, connection),
	[U_KEEPALIVE] = FLD("keepalive", f_duration, struct sc_conf_upstream, keepalive),
	[U_HANDSHAKE] = FLD("handshake_timeout", f_duration, struct sc_conf_upstream,
			    handshake_timeout),
	[U_TRUSTED] = FLD("trusted", f_bool, struct sc_conf_upstream, trusted),
};

static void finish_upstream(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_upstream *u = obj;
	char where[100], e[300];

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
	if (u->verify && !u->ca_file)
		u->ca_file = ld_strdup(ld, SC_CONF_DEFAULT_CA);
	if (ld->flags & SC_CONF_NO_FILES)
		return;
	check_pair_files(ld, kv[U_CERT].v, kv[U_KEY].v, u->certificate, u->private_key);
	if (u->ca_file)
		check_ca_file(ld, kv[U_CA].v, &u->pos, u->ca_file, !kv[U_CA].v);
	if (u->ciphers && sc_tls_cert_check_ciphers(u->ciphers, e, sizeof(e)) != 0)
		ERR(ld, kv[U_CIPHERS].v, "%s", e);
}

static const struct table up_table = TABLE(up_fields, finish_upstream);
_Static_assert(sizeof(up_fields) / sizeof(up_fields[0]) <= CONF_MAX_FIELDS,
	       "CONF_MAX_FIELDS is too small for the largest table");

static void f_upstreams(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	struct sc_conf *c = obj;
	yaml_node_pair_t *p;
	size_t j;

	(void)f;
	if (!visit(ld, n) || is_null(n))
		return;
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "upstreams must be a mapping of names to settings "
			   "(upstreams: { provider: { uri: sips:sip.provider.example } }), not %s",
		    kind(n));
		return;
	}
	c->upstreams = ld_calloc(ld, (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start),
				 sizeof(*c->upstreams));
	for (p = n->data.mapping.pairs.start; c->upstreams && p < n->data.mapping.pairs.top && !ld->stop;
	     p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
		struct sc_conf_upstream *u = &c->upstreams[c->nupstreams];
		const char *name = scalar(ld, k, "an upstream name");
		char where[100];

		if (!name)
			continue;
		if (!valid_name(name)) {
			ERR(ld, k, "upstream name '%s' may only contain letters, digits, '.', '_' and '-'",
			    qs(ld, name));
			continue;
		}
		for (j = 0; j < c->nupstreams; j++)
			if (!strcmp(c->upstreams[j].name, name))
				break;
		if (j < c->nupstreams) {
			ERR(ld, k, "upstream '%s' is defined twice (first at line %d)", name,
			    c->upstreams[j].pos.line);
			continue;
		}
		u->name = ld_strdup(ld, name);
		if (!u->name)
			break;
		set_pos(&u->pos, k);
		u->verify = true;
		u->min_version = 12;
		u->connection = SC_CONN_PER_DEVICE;
		u->keepalive = 30;
		u->handshake_timeout = 10;
		c->nupstreams++;
		if (is_null(v)) {
			ERR(ld, k, "upstream '%s' has no settings (it needs at least a uri)", name);
			continue;
		}
		snprintf(where, sizeof(where), "in upstream '%s'", name);
		walk_object(ld, v, where, &up_table, u);
	}
}

/* devices */
enum { D_NAME, D_MATCH, D_UPSTREAM, D_ALERT, D_SNOM, D_ADDRESS };
static const struct field dev_fields[] = {
	[D_NAME] = FLD("name", f_name, struct sc_conf_device, name),
	[D_MATCH] = FLD("match", f_match, struct sc_conf_device, match),
	[D_UPSTREAM] = FLD("upstream", f_str, struct sc_conf_device, upstream_name),
	[D_ALERT] = FLD("alert_info", f_str, struct sc_conf_device, alert_info),
	[D_SNOM] = FLD("snom_url", f_str, struct sc_conf_device, snom_url),
	[D_ADDRESS] = FLDA("address", f_addr, struct sc_conf_device, address, 5060),
};

static const char *upstream_names(const struct sc_conf *c, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; i < c->nupstreams && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", c->upstreams[i].name);
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
		    qs(ld, d->snom_url));
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

static void finish_device(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf_device *d = obj;
	struct sc_conf *c = ld->c;
	const char *dn = d->name ? d->name : "?";
	char names[256], a[64], b[64];
	size_t i;

	if (!kv[D_NAME].v)
		ERR(ld, n, "a device needs a name");
	for (i = 0; d->name && &c->devices[i] != d; i++) {
		if (c->devices[i].name && !strcmp(c->devices[i].name, d->name)) {
			ERR(ld, kv[D_NAME].v, "device name '%s' is used twice (first at line %d)",
			    d->name, c->devices[i].pos.line);
			break;
		}
	}
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
		if (i < c->nupstreams)
			d->upstream = i;
		else if (c->nupstreams)
			ERR(ld, kv[D_UPSTREAM].v, "upstream '%s' is not defined (defined: %s)",
			    qs(ld, d->upstream_name), upstream_names(c, names, sizeof(names)));
		else
			ERR(ld, kv[D_UPSTREAM].v,
			    "upstream '%s' is not defined (there is no upstreams section)",
			    qs(ld, d->upstream_name));
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
		visit(ld, n);
		ERR(ld, n, "devices must be a list: start each device with '- name: ...'");
		return;
	}
	len = seq_len(ld, n, f->name, "each device starts with '- name: ...'", false);
	if (len <= 0)
		return;
	c->devices = ld_calloc(ld, (size_t)len, sizeof(*c->devices));
	for (i = 0; c->devices && i < len && !ld->stop; i++) {
		yaml_node_t *it = seq_item(ld, n, i);
		struct sc_conf_device *d = &c->devices[c->ndevices++];
		const char *name = map_peek(ld, it, "name");
		char where[120];

		set_pos(&d->pos, it);
		if (name)
			snprintf(where, sizeof(where), "in device '%s'", q(ld, name, strlen(name)));
		else
			snprintf(where, sizeof(where), "in device #%ld", i + 1);
		if (is_null(it)) {
			ERR(ld, it, "device #%ld is empty", i + 1);
			continue;
		}
		walk_object(ld, it, where, &dev_table, d);
	}
}

/* status */
static const struct field status_fields[] = {
	FLDA("listen", f_addr, struct sc_conf, status.addr, 0),
};

static void finish_status(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;

	if (is_null(n))
		return;
	c->status.enabled = true;
	if (!kv[0].v)
		ERR(ld, n, "status needs listen (e.g. listen: 127.0.0.1:8061)");
}

static const struct table status_table = TABLE(status_fields, finish_status);

static void f_user(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f)
{
	const char *s = scalar(ld, n, f->name);

	if (s && (!valid_name(s) || s[0] == '-')) {
		ERR(ld, n, "user '%s' is not a valid user name", qs(ld, s));
		return;
	}
	if (s)
		f_str(ld, n, obj, f);
}

/* The top level; upstreams come before devices so devices can refer to them,
 * and lan before devices for the allow check. */
enum { R_LOG, R_USER, R_LAN, R_WAN, R_UPSTREAMS, R_DEVICES, R_STATUS };
static const struct field root_fields[] = {
	[R_LOG] = { "log", f_section, 0, 0, 0, &log_table },
	[R_USER] = FLD("user", f_user, struct sc_conf, user),
	[R_LAN] = { "lan", f_section, 0, 0, 0, &lan_table },
	[R_WAN] = { "wan", f_section, 0, 0, 0, &wan_table },
	[R_UPSTREAMS] = { "upstreams", f_upstreams, 0, 0, 0, NULL },
	[R_DEVICES] = { "devices", f_devices, 0, 0, 0, NULL },
	[R_STATUS] = { "status", f_section, 0, 0, 0, &status_table },
};

static void finish_root(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv)
{
	struct sc_conf *c = obj;

	(void)n;
	/* lan.listen is allocated whenever the key was given (even if every
	 * entry was wrong, which is an error anyway). */
	if (!c->lan.listen) {
		c->lan.listen = ld_calloc(ld, 1, sizeof(*c->lan.listen));
		if (c->lan.listen) {
			sc_net_addr_parse("0.0.0.0", 5060, &c->lan.listen[0].addr);
			c->lan.listen[0].transport = SC_TP_UDP;
			c->lan.nlisten = 1;
		}
	}
	if (!c->nupstreams)
		WARN(ld, kv[R_UPSTREAMS].k, "no upstreams are defined, so nothing can be relayed");
	if (!c->ndevices)
		WARN(ld, kv[R_DEVICES].k,
		     "no devices are defined, so every request from the LAN is dropped");
}

static const struct table root_table = TABLE(root_fields, finish_root);

/* ---- loading ---- */

/* The byte at a libyaml mark (whose column counts characters, not bytes),
 * or -1. */
static int char_at(const char *buf, size_t len, const yaml_mark_t *m)
{
	size_t i = 0, line = 0, col = 0;

	while (i < len && line < m->line)
		if (buf[i++] == '\n')
			line++;
	while (i < len && col < m->column && buf[i] != '\n') {
		i++;
		while (i < len && ((unsigned char)buf[i] & 0xc0) == 0x80)
			i++;
		col++;
	}
	return i < len ? (unsigned char)buf[i] : -1;
}

static void syntax_error(struct ld *ld, const yaml_parser_t *p, const char *buf, size_t len)
{
	int line = 1, col = 1;
	const char *hint;
	size_t i;

	if (p->error == YAML_MEMORY_ERROR) {
		ld->nomem = true;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset instead of a mark. */
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		diags_add(ld->dg, false, line, col, "the file is not UTF-8 text: %s",
			  p->problem ? p->problem : "invalid byte");
		return;
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	/* Tabs are the classic YAML mistake, and libyaml does not always say
	 * so. */
	hint = (p->problem && strstr(p->problem, "tab")) || char_at(buf, len, &p->problem_mark) == '\t'
		       ? "; a tab? YAML indents with spaces only"
		       : "";
	if (p->context)
		diags_add(ld->dg, false, line, col, "invalid YAML: %s (%s at line %d, column %d)%s",
			  p->problem ? p->problem : "syntax error", p->context,
			  (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
	else
		diags_add(ld->dg, false, line, col, "invalid YAML: %s%s",
			  p->problem ? p->problem : "syntax error", hint);
}

/* Messages in file order, whole-file ones first; stable, so two at the same
 * place keep the order they were found in. */
static void diags_sort(struct sc_diags *dg, size_t from)
{
	size_t i, j;

	for (i = from + 1; i < dg->n; i++) {
		struct sc_diag t = dg->d[i];

		for (j = i; j > from && (dg->d[j - 1].line > t.line ||
					 (dg->d[j - 1].line == t.line && dg->d[j - 1].col > t.col));
		     j--)
			dg->d[j] = dg->d[j - 1];
		dg->d[j] = t;
	}
}

static int load(const char *name, const char *path, const char *buf, size_t len, unsigned flags,
		struct sc_conf **out, struct sc_diags *dg)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	yaml_node_t *root;
	struct ld *ld;
	size_t errors0 = dg->nerrors, diags0 = dg->n;
	bool parser_ok = false, doc_ok = false;
	int rc = 0;

	*out = NULL;
	diags_set_file(dg, name);
	/* The loader state is a few hundred bytes of buffers: keep it off the
	 * stack of a small embedded thread. */
	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return -ENOMEM;
	ld->dg = dg;
	ld->flags = flags;
	ld->c = calloc(1, sizeof(*ld->c));
	if (!ld->c || !(ld->c->path = strdup(path))) {
		rc = -ENOMEM;
		goto out;
	}
	ld->c->log_level = SC_LOG_INFO;
	ld->c->log_target = SC_LOG_STDERR;
	if (len > CONF_MAX_SIZE) {
		diags_add(dg, false, 0, 0, "the file is larger than %d bytes; this is not a "
					   "sipsidecar configuration", CONF_MAX_SIZE);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &ld->doc)) {
		syntax_error(ld, &parser, buf, len);
		goto out;
	}
	doc_ok = true;
	root = yaml_document_get_root_node(&ld->doc);
	if (!root)
		diags_add(dg, false, 1, 1,
			  "the file is empty: it needs at least upstreams and devices (see the "
			  "examples in config/)");
	else if (root->type != YAML_MAPPING_NODE)
		ERR(ld, root, "the top level must be a mapping of sections (log, user, lan, wan, "
			      "upstreams, devices, status), not %s", kind(root));
	else
		walk_object(ld, root, "at the top level", &root_table, ld->c);
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(ld, &parser, buf, len);
	} else {
		root = yaml_document_get_root_node(&extra);
		if (root)
			diags_add(dg, false, (int)root->start_mark.line + 1,
				  (int)root->start_mark.column + 1,
				  "a second YAML document ('---') starts here; put everything in one");
		yaml_document_delete(&extra);
	}
out:
	if (doc_ok)
		yaml_document_delete(&ld->doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (ld->nomem) {
		diags_add(dg, false, 0, 0, "out of memory while loading the configuration");
		rc = -ENOMEM;
	}
	if (rc == 0 && dg->nerrors > errors0)
		rc = -EINVAL;
	diags_sort(dg, diags0);
	if (rc == 0)
		*out = ld->c;
	else
		sc_conf_free(ld->c);
	free(ld);
	return rc;
}

int sc_conf_load_buf(const char *name, const char *buf, size_t len, unsigned flags,
		     struct sc_conf **out, struct sc_diags *dg)
{
	name = name ? name : "<buffer>";
	return load(name, name, buf ? buf : "", buf ? len : 0, flags, out, dg);
}

int sc_conf_load_file(const char *path, unsigned flags, struct sc_conf **out,
		      struct sc_diags *dg)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int rc;

	*out = NULL;
	diags_set_file(dg, name);
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		rc = errno == ENOENT ? -ENOENT : -EINVAL;
		diags_add(dg, false, 0, 0, "cannot read %s: %s", name, strerror(errno));
		return rc;
	}
	/* Read one byte past the limit so that load() can tell "too big". */
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16384;
			if (cap > CONF_MAX_SIZE + 1)
				cap = CONF_MAX_SIZE + 1;
			if (len == cap)
				break;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				diags_add(dg, false, 0, 0, "out of memory reading %s", name);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		diags_add(dg, false, 0, 0, "cannot read %s: %s", name,
			  errno ? strerror(errno) : "read error");
		rc = -EINVAL;
		goto out;
	}
	rc = load(name, path, buf, len, flags, out, dg);
out:
	if (!is_stdin)
		fclose(f);
	free(buf);
	return rc;
}

void sc_conf_free(struct sc_conf *c)
{
	size_t i;

	if (!c)
		return;
	free(c->path);
	free(c->lan.listen);
	free(c->lan.advertise);
	free(c->lan.allow);
	free(c->wan.listen);
	free(c->wan.advertise);
	free(c->wan.certificate);
	free(c->wan.private_key);
	free(c->wan.ca_file);
	for (i = 0; i < c->wan.nserver_names; i++) {
		free(c->wan.server_names[i].name);
		free(c->wan.server_names[i].certificate);
		free(c->wan.server_names[i].private_key);
	}
	free(c->wan.server_names);
	for (i = 0; i < c->nupstreams; i++) {
		struct sc_conf_upstream *u = &c->upstreams[i];

		free(u->name);
		free(u->uri);
		free(u->host);
		free(u->server_name);
		free(u->ca_file);
		free(u->certificate);
		free(u->private_key);
		free(u->ciphers);
	}
	free(c->upstreams);
	for (i = 0; i < c->ndevices; i++) {
		free(c->devices[i].name);
		free(c->devices[i].upstream_name);
		free(c->devices[i].alert_info);
		free(c->devices[i].snom_url);
	}
	free(c->devices);
	free(c->user);
	free(c);
}

void sc_diags_print(const struct sc_diags *dg, FILE *f)
{
	const char *file = dg->file ? dg->file : "<config>";
	size_t i;

	for (i = 0; i < dg->n; i++) {
		const struct sc_diag *d = &dg->d[i];
		const char *sev = d->warning ? "warning" : "error";

		if (d->line > 0)
			fprintf(f, "%s:%d:%d: %s: %s\n", file, d->line, d->col, sev, d->msg);
		else
			fprintf(f, "%s: %s: %s\n", file, sev, d->msg);
	}
}

void sc_diags_free(struct sc_diags *dg)
{
	size_t i;

	if (!dg)
		return;
	for (i = 0; i < dg->n; i++)
		free(dg->d[i].msg);
	free(dg->d);
	free(dg->file);
	memset(dg, 0, sizeof(*dg));
}
