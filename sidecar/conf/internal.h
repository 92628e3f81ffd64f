/* The loader's insides, shared by the files of conf/ and included by no file
 * outside it.
 *
 * load.c turns libyaml's node tree into calls of the handlers named in the
 * key tables of schema.c; fields.c holds those handlers, files.c the checks
 * that open certificate files.  They talk through struct ld, the state of
 * one load, and report through ld_msg (the ERR and WARN macros), which
 * pins every message to the node it is about.
 */
#ifndef SC_CONF_INTERNAL_H
#define SC_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "conf.h"

/* The most keys one table may have (a struct kv per key lives on the stack
 * of each nested walk). */
#define CONF_MAX_FIELDS 16
/* Names of devices and upstreams end up in logs and metric labels. */
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

/* Converts value node n into obj, the struct the field's table describes,
 * reporting what is wrong with it instead of stopping. */
typedef void field_fn(struct ld *ld, yaml_node_t *n, void *obj, const struct field *f);

struct table {
	const struct field *f;
	size_t n;
	/* Runs once every key of the mapping is known: the checks between
	 * keys, and the defaults that depend on another key's value. */
	void (*finish)(struct ld *ld, void *obj, yaml_node_t *n, const struct kv *kv);
};

struct field {
	const char *name;
	field_fn *fn;
	size_t off;  /* where the handler stores the value, from obj */
	size_t off2; /* a second destination (the count of a list) */
	unsigned arg;
	const struct table *sub; /* a section: a mapping of keys of the same obj */
	/* The default, written as the value would be in the file ("30s",
	 * "per-device"; for a list, its one entry) and fed to fn like one, so
	 * that a default cannot say what the key would refuse.  NULL: none,
	 * the member stays zero or NULL. */
	const char *def;
};

/* The state of one load. */
struct ld {
	yaml_document_t doc;
	struct sc_conf *c;
	struct sc_diags *dg;
	unsigned flags;
	size_t nodes;
	bool stop;     /* node or message budget exhausted: unwind quietly */
	bool nomem;
	bool defaults; /* handlers are being fed defaults, not the file */
	char qbuf[4][128];
	unsigned qi;
};

/* ---- load.c: messages and small helpers ---- */

/* Records a problem at node n, or at pos when n is NULL, or about the whole
 * file when both are NULL. */
void ld_msg(struct ld *ld, bool warning, const yaml_node_t *n, const struct sc_conf_pos *pos,
	    const char *fmt, ...) SC_PRINTF(5, 6);

#define ERR(ld, n, ...) ld_msg((ld), false, (n), NULL, __VA_ARGS__)
#define WARN(ld, n, ...) ld_msg((ld), true, (n), NULL, __VA_ARGS__)
#define ERR_AT(ld, pos, ...) ld_msg((ld), false, NULL, (pos), __VA_ARGS__)

/* A value as it may be shown in a message: control characters escaped and
 * long values cut.  The result lives in ld; up to four at a time. */
const char *ld_q(struct ld *ld, const char *s, size_t len);
const char *ld_qs(struct ld *ld, const char *s);

/* Where node n was written; nowhere ({0, 0}) for a default. */
void ld_set_pos(struct ld *ld, struct sc_conf_pos *p, const yaml_node_t *n);
char *ld_strdup(struct ld *ld, const char *s);
void *ld_calloc(struct ld *ld, size_t n, size_t size);

/* Appends item to the ", "-separated list in buf, which starts as "", at
 * offset *o. */
void ld_join(char *buf, size_t cap, size_t *o, const char *item);

/* How the "defined twice" check walks one kind of list: the size of an
 * entry, where it keeps its position, and when an entry is the same as a
 * key (a name, or a whole entry). */
struct twice {
	size_t size;
	size_t pos_off;
	bool (*same)(const void *entry, const void *key);
};
#define TWICE(type, same) { sizeof(type), offsetof(type, pos), same }

/* The one "defined twice" check: whether one of the count entries at arr is
 * the same as key; if so, reports "WHAT twice (first at line N)" at n, WHAT
 * being fmt formatted, and returns true. */
bool ld_twice(struct ld *ld, const yaml_node_t *n, const struct twice *t, const void *arr,
	      size_t count, const void *key, const char *fmt, ...) SC_PRINTF(7, 8);

static inline void *ld_dst(void *obj, size_t off)
{
	return (char *)obj + off;
}

/* ---- load.c: walking the node tree ---- */

yaml_node_t *ld_node(struct ld *ld, int i);
/* Counts n against the node budget; false when the walk must stop. */
bool ld_visit(struct ld *ld, const yaml_node_t *n);
bool ld_is_null(const yaml_node_t *n);
/* "a mapping", "a list" or "a value", for messages. */
const char *ld_kind(const yaml_node_t *n);
/* The text of a scalar node, or NULL after reporting why it is not one. */
const char *ld_scalar(struct ld *ld, yaml_node_t *n, const char *what);
/* The length of list n (0 for null), or -1 after reporting; example shows
 * how to write the list, scalar_hint asks for the fix of a lone value. */
long ld_seq_len(struct ld *ld, yaml_node_t *n, const char *what, const char *example,
		bool scalar_hint);
yaml_node_t *ld_seq_item(struct ld *ld, yaml_node_t *n, long i);
/* The value of key in mapping m, without reporting anything. */
const char *ld_map_peek(struct ld *ld, yaml_node_t *m, const char *key);
/* Walks mapping n with table t into obj: keys, then each present value's
 * handler in table order, then the table's finish. */
void ld_walk(struct ld *ld, yaml_node_t *n, const char *where, const struct table *t,
	     void *obj);
/* Gives obj the defaults of table t and of its sections. */
void ld_defaults(struct ld *ld, const struct table *t, void *obj);

/* ---- fields.c: one handler per kind of value ---- */

/* f->arg, where a handler takes one: f_host 1 when the value may carry a
 * port, 2 for an SNI name (may be a wildcard); f_listen the mask of allowed
 * transports; f_addr the default port, 0 when the port is mandatory. */
field_fn f_str, f_name, f_host, f_bool, f_duration, f_level, f_target, f_connection,
	f_tls_version, f_listen, f_match, f_match_list, f_addr, f_addr_check, f_uri, f_user;
/* A name of a device or an upstream: letters, digits, '.', '_', '-'. */
bool f_valid_name(const char *s);

/* ---- files.c: certificate, key and CA files (the only use of tls/) ---- */

/* Checks a certificate and its private key (cn and kn: their value nodes)
 * when both are named: readable, parseable, matching, not expiring soon. */
void files_check_pair(struct ld *ld, const yaml_node_t *cn, const yaml_node_t *kn,
		      const char *cert, const char *key);
/* Checks a CA list; is_default: it was not named but is the built-in
 * default.  The message goes to n, or to pos when n is NULL. */
void files_check_ca(struct ld *ld, const yaml_node_t *n, const struct sc_conf_pos *pos,
		    const char *ca, bool is_default);
/* Checks a cipher list (an upstream's ciphers) against what wolfSSL knows. */
void files_check_ciphers(struct ld *ld, const yaml_node_t *n, const char *ciphers);

/* ---- schema.c: the keys ---- */

/* The top-level table. */
extern const struct table schema_root;
/* Gives a new config every default, before the file is walked. */
void schema_init(struct ld *ld, struct sc_conf *c);

#endif
