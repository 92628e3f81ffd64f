/* Loading: libyaml's node tree in, a struct sc_conf out.
 *
 * libyaml's document API builds the tree; ld_walk matches each mapping
 * against a key table (schema.c) and calls each key's handler (fields.c).
 * Handlers never stop at a problem: they record it with the node's position
 * and go on, so one `sipsidecar check` shows everything.
 *
 * Aliases make the tree a graph (even a cyclic one: "&a [*a]"), so the walk
 * is driven by the schema, which bounds its depth, and counts the nodes it
 * visits, which bounds its width ("billion laughs").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "internal.h"

/* Limits that keep a hostile or broken file cheap to reject. */
#define CONF_MAX_SIZE (1024 * 1024)
#define CONF_MAX_NODES 100000
#define CONF_MAX_DIAGS 200

/* ---- messages ---- */

void ld_msg(struct ld *ld, bool warning, const yaml_node_t *n, const struct sc_conf_pos *pos,
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
		sc_diags_add(ld->dg, false, line, col, "too many problems; fix these first");
		ld->stop = true;
		return;
	}
	va_start(ap, fmt);
	if (sc_diags_vadd(ld->dg, warning, line, col, fmt, ap) == -ENOMEM)
		ld->nomem = true;
	va_end(ap);
}

/* Control characters would garble a terminal, and a long value would hide
 * the message it is in. */
const char *ld_q(struct ld *ld, const char *s, size_t len)
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

const char *ld_qs(struct ld *ld, const char *s)
{
	return ld_q(ld, s, strlen(s));
}

void ld_set_pos(struct ld *ld, struct sc_conf_pos *p, const yaml_node_t *n)
{
	bool written = n && !ld->defaults;

	p->line = written ? (int)n->start_mark.line + 1 : 0;
	p->col = written ? (int)n->start_mark.column + 1 : 0;
}

char *ld_strdup(struct ld *ld, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ld->nomem = true;
	return d;
}

void *ld_calloc(struct ld *ld, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		ld->nomem = true;
	return p;
}

/* A list that does not fit is cut, never overrun: the offset keeps growing
 * past cap, and nothing more is written then. */
void ld_join(char *buf, size_t cap, size_t *o, const char *item)
{
	if (*o < cap)
		*o += (size_t)snprintf(buf + *o, cap - *o, "%s%s", *o ? ", " : "", item);
}

bool ld_twice(struct ld *ld, const yaml_node_t *n, const struct twice *t, const void *arr,
	      size_t count, const void *key, const char *fmt, ...)
{
	const char *e = arr;
	const struct sc_conf_pos *first;
	char what[384];
	va_list ap;
	size_t i;

	for (i = 0; i < count && !t->same(e + i * t->size, key); i++)
		;
	if (i == count)
		return false;
	first = (const void *)(e + i * t->size + t->pos_off);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ERR(ld, n, "%s twice (first at line %d)", what, first->line);
	return true;
}

/* ---- nodes ---- */

yaml_node_t *ld_node(struct ld *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

/* Every node a handler looks at passes here; aliases can make a small file
 * expand into a huge walk, and this is where that ends.  Defaults are not
 * the file's doing, so they do not count. */
bool ld_visit(struct ld *ld, const yaml_node_t *n)
{
	if (ld->defaults)
		return true;
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

bool ld_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

const char *ld_kind(const yaml_node_t *n)
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

/* Control characters are refused everywhere: no value of ours may contain a
 * line break, and some end up in SIP headers (alert_info). */
const char *ld_scalar(struct ld *ld, yaml_node_t *n, const char *what)
{
	const unsigned char *s;
	size_t i, len;

	if (!ld_visit(ld, n))
		return NULL;
	if (n->type != YAML_SCALAR_NODE) {
		ERR(ld, n, "%s must be a single value, not %s", what, ld_kind(n));
		return NULL;
	}
	if (ld_is_null(n)) {
		ERR(ld, n, "%s needs a value", what);
		return NULL;
	}
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			ERR(ld, n, "%s '%s' contains a control character (line break, tab...)", what,
			    ld_q(ld, (const char *)s, len));
			return NULL;
		}
	}
	return (const char *)s;
}

long ld_seq_len(struct ld *ld, yaml_node_t *n, const char *what, const char *example,
		bool scalar_hint)
{
	/* A list's default is written as its one entry (struct field). */
	if (ld->defaults)
		return 1;
	if (!ld_visit(ld, n))
		return -1;
	if (ld_is_null(n))
		return 0;
	if (n->type == YAML_SEQUENCE_NODE)
		return (long)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (n->type == YAML_SCALAR_NODE && scalar_hint)
		ERR(ld, n, "%s must be a list, even of one entry: write %s: [ \"%s\" ]", what, what,
		    ld_q(ld, (const char *)n->data.scalar.value, n->data.scalar.length));
	else
		ERR(ld, n, "%s must be a list (%s), not %s", what, example, ld_kind(n));
	return -1;
}

yaml_node_t *ld_seq_item(struct ld *ld, yaml_node_t *n, long i)
{
	if (ld->defaults)
		return n;
	return ld_node(ld, n->data.sequence.items.start[i]);
}

/* Used to name an entry ("device 'kitchen-ata'") before its keys are
 * checked. */
const char *ld_map_peek(struct ld *ld, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key), *v = ld_node(ld, p->value);

		if (k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key) && !ld_is_null(v))
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
	if (!ld_visit(ld, n))
		return false;
	if (ld_is_null(n))
		return true;
	if (n->type != YAML_MAPPING_NODE) {
		ERR(ld, n, "expected a mapping (key: value lines) %s, not %s", where, ld_kind(n));
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !ld->stop; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		const char *name;

		if (!ld_visit(ld, k))
			break;
		if (k->type != YAML_SCALAR_NODE) {
			ERR(ld, k, "a key %s must be a plain word, not %s", where, ld_kind(k));
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
			for (j = 0; j < t->n; j++)
				ld_join(list, sizeof(list), &o, t->f[j].name);
			ERR(ld, k, "unknown key '%s' %s (expected one of: %s)",
			    ld_q(ld, name, k->data.scalar.length), where, list);
			continue;
		}
		if (kv[i].k) {
			ERR(ld, k, "duplicate key '%s' %s (first at line %d)", name, where,
			    (int)kv[i].k->start_mark.line + 1);
			continue;
		}
		kv[i].k = k;
		kv[i].v = ld_node(ld, p->value);
	}
	return true;
}

void ld_walk(struct ld *ld, yaml_node_t *n, const char *where, const struct table *t, void *obj)
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

/* Each default goes through its key's handler as a plain scalar node of its
 * own, before the file's value (if any) replaces it.  Before, not instead:
 * a wrong value then leaves the default in place, which the checks between
 * keys see (a bad "verify: maybe" must not also warn that verify is off). */
void ld_defaults(struct ld *ld, const struct table *t, void *obj)
{
	yaml_node_t n;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];

		if (f->sub)
			ld_defaults(ld, f->sub, obj);
		if (!f->def)
			continue;
		memset(&n, 0, sizeof(n));
		n.type = YAML_SCALAR_NODE;
		n.data.scalar.value = (yaml_char_t *)f->def;
		n.data.scalar.length = strlen(f->def);
		n.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
		ld->defaults = true;
		f->fn(ld, &n, obj, f);
		ld->defaults = false;
	}
}

/* ---- syntax errors ---- */

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
		sc_diags_add(ld->dg, false, line, col, "the file is not UTF-8 text: %s",
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
		sc_diags_add(ld->dg, false, line, col, "invalid YAML: %s (%s at line %d, column %d)%s",
			     p->problem ? p->problem : "syntax error", p->context,
			     (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
	else
		sc_diags_add(ld->dg, false, line, col, "invalid YAML: %s%s",
			     p->problem ? p->problem : "syntax error", hint);
}

/* ---- loading ---- */

/* Parses buf, walks it from the top-level table and hands out the config
 * only when no error was found. */
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
	sc_diags_set_file(dg, name);
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
	schema_init(ld, ld->c);
	if (len > CONF_MAX_SIZE) {
		sc_diags_add(dg, false, 0, 0, "the file is larger than %d bytes; this is not a "
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
		sc_diags_add(dg, false, 1, 1,
			     "the file is empty: it needs at least upstreams and devices (see the "
			     "examples in config/)");
	else if (root->type != YAML_MAPPING_NODE)
		ERR(ld, root, "the top level must be a mapping of sections (log, user, lan, wan, "
			      "upstreams, devices, status), not %s", ld_kind(root));
	else
		ld_walk(ld, root, "at the top level", &schema_root, ld->c);
	if (!yaml_parser_load(&parser, &extra)) {
		syntax_error(ld, &parser, buf, len);
	} else {
		root = yaml_document_get_root_node(&extra);
		if (root)
			sc_diags_add(dg, false, (int)root->start_mark.line + 1,
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
		sc_diags_add(dg, false, 0, 0, "out of memory while loading the configuration");
		rc = -ENOMEM;
	}
	if (rc == 0 && dg->nerrors > errors0)
		rc = -EINVAL;
	sc_diags_sort(dg, diags0);
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
	sc_diags_set_file(dg, name);
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		rc = errno == ENOENT ? -ENOENT : -EINVAL;
		sc_diags_add(dg, false, 0, 0, "cannot read %s: %s", name, strerror(errno));
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
				sc_diags_add(dg, false, 0, 0, "out of memory reading %s", name);
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
		sc_diags_add(dg, false, 0, 0, "cannot read %s: %s", name,
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
		free(u->accept_from);
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
