/* Edit lists (the idea of Kamailio's data lumps, much smaller).
 *
 * Both sc_edit_size and sc_edit_apply first build the same plan: the edits
 * in output order, checked for overlaps, plus the Content-Length fix-up when
 * one is needed.  Keeping a single planner is what guarantees that apply
 * never needs more room than size promised.
 */
#include <errno.h>
#include <string.h>

#include "edit.h"

/* seq of the Content-Length edit added by the planner: after every caller
 * insert at the same offset, so that a header the caller appends at the end
 * of the header block stays before the inserted Content-Length. */
#define EDIT_SEQ_CLEN ((unsigned)-1)

struct edit_plan {
	const struct sc_edit *order[SC_EDIT_MAX + 1];
	size_t n;
	struct sc_edit clen;  /* the fix-up, when order[] refers to it */
	char clen_text[40];   /* its replacement text */
	size_t size;
};

void sc_edit_init(struct sc_edits *ed)
{
	ed->n = 0;
}

int sc_edit_replace(struct sc_edits *ed, size_t off, size_t len, sc_str repl)
{
	struct sc_edit *e;

	if (ed->n == SC_EDIT_MAX)
		return -ENOSPC;
	e = &ed->e[ed->n];
	e->off = off;
	e->len = len;
	e->repl = repl;
	e->seq = (unsigned)ed->n++;
	return 0;
}

int sc_edit_insert(struct sc_edits *ed, size_t off, sc_str text)
{
	return sc_edit_replace(ed, off, 0, text);
}

int sc_edit_delete(struct sc_edits *ed, size_t off, size_t len)
{
	return sc_edit_replace(ed, off, len, SC_STR_NULL);
}

/* Output order: by offset; at one offset inserts come before a replacement
 * or deletion starting there (so "insert a header before this one" and
 * "delete this one" can be added in either order), and among equals the
 * order of addition. */
static int edit_before(const struct sc_edit *a, const struct sc_edit *b)
{
	if (a->off != b->off)
		return a->off < b->off;
	if ((a->len != 0) != (b->len != 0))
		return a->len == 0;
	return a->seq < b->seq;
}

static void edit_sort(struct edit_plan *pl)
{
	size_t i, j;

	for (i = 1; i < pl->n; i++) {
		const struct sc_edit *x = pl->order[i];

		for (j = i; j > 0 && edit_before(x, pl->order[j - 1]); j--)
			pl->order[j] = pl->order[j - 1];
		pl->order[j] = x;
	}
}

static size_t edit_utoa(char *out, size_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* Decides whether Content-Length has to change and adds that edit.
 *
 * Edits that start at or after body_off belong to the body; an edit that
 * starts in the headers and reaches into the body is refused, because the
 * new body length would be ambiguous.  When the body length changes, the
 * value of the Content-Length header is replaced.  A message without one
 * (legal on UDP only) always gets "Content-Length: N" before the blank line,
 * because the output may well go onto a stream, where it is mandatory.  If
 * the caller already edits the Content-Length header (its line, name or
 * value), the caller's text is kept and nothing is added: two edits of one
 * header would overlap, and the caller evidently knows better. */
static int edit_clen(const struct sc_sip_msg *m, struct edit_plan *pl)
{
	long delta = 0;
	size_t i, body, n, cl_start = 0, cl_end = 0;
	int idx = m->first[SC_HDR_CONTENT_LENGTH], caller = 0;

	if (idx >= 0) {
		cl_start = m->hdrs[idx].start;
		cl_end = m->hdrs[idx].end;
	}
	for (i = 0; i < pl->n; i++) {
		const struct sc_edit *e = pl->order[i];

		if (e->off >= m->body_off)
			delta += (long)e->repl.n - (long)e->len;
		else if (e->off + e->len > m->body_off)
			return -EINVAL;
		if (idx >= 0 && e->off < cl_end &&
		    (e->len ? e->off + e->len > cl_start : e->off > cl_start))
			caller = 1;
	}
	if (idx >= 0 && (caller || delta == 0))
		return 0;
	body = (size_t)((long)m->body.n + delta);
	if (idx >= 0) {
		sc_str v = m->hdrs[idx].value;

		pl->clen.off = sc_str_off(v, m->buf);
		pl->clen.len = v.n;
		n = edit_utoa(pl->clen_text, body);
	} else {
		/* The blank line starts where the last header line ends. */
		pl->clen.off = m->nhdrs ? m->hdrs[m->nhdrs - 1].end : m->start_line_end;
		pl->clen.len = 0;
		memcpy(pl->clen_text, "Content-Length: ", 16);
		n = 16 + edit_utoa(pl->clen_text + 16, body);
		pl->clen_text[n++] = '\r';
		pl->clen_text[n++] = '\n';
	}
	pl->clen.repl = sc_str_make(pl->clen_text, n);
	pl->clen.seq = EDIT_SEQ_CLEN;
	pl->order[pl->n++] = &pl->clen;
	edit_sort(pl);
	return 0;
}

static int edit_plan(const struct sc_sip_msg *m, const struct sc_edits *ed,
		     struct edit_plan *pl)
{
	size_t i, cur = 0, size = m->len;
	int rc;

	if (ed->n > SC_EDIT_MAX)
		return -EINVAL;
	pl->n = 0;
	for (i = 0; i < ed->n; i++) {
		const struct sc_edit *e = &ed->e[i];

		if (e->off > m->len || e->len > m->len - e->off ||
		    (!e->repl.p && e->repl.n > 0))
			return -EINVAL;
		pl->order[pl->n++] = e;
	}
	edit_sort(pl);
	rc = edit_clen(m, pl);
	if (rc < 0)
		return rc;
	for (i = 0; i < pl->n; i++) {
		const struct sc_edit *e = pl->order[i];

		if (e->off < cur)
			return -EINVAL;
		cur = e->off + e->len;
		size = size - e->len + e->repl.n;
	}
	pl->size = size;
	return 0;
}

int sc_edit_size(const struct sc_sip_msg *m, const struct sc_edits *ed, size_t *need)
{
	struct edit_plan pl;
	int rc = edit_plan(m, ed, &pl);

	if (rc == 0)
		*need = pl.size;
	return rc;
}

/* memcpy with a length of 0 may still not be given a null pointer. */
static size_t edit_copy(char *out, size_t o, const char *p, size_t n)
{
	if (n)
		memcpy(out + o, p, n);
	return o + n;
}

int sc_edit_apply(const struct sc_sip_msg *m, const struct sc_edits *ed, char *out, size_t cap,
		  size_t *outlen)
{
	struct edit_plan pl;
	size_t i, cur = 0, o = 0;
	int rc = edit_plan(m, ed, &pl);

	if (rc < 0)
		return rc;
	if (pl.size > cap)
		return -ENOSPC;
	for (i = 0; i < pl.n; i++) {
		const struct sc_edit *e = pl.order[i];

		o = edit_copy(out, o, m->buf + cur, e->off - cur);
		o = edit_copy(out, o, e->repl.p, e->repl.n);
		cur = e->off + e->len;
	}
	o = edit_copy(out, o, m->buf + cur, m->len - cur);
	*outlen = o;
	return 0;
}
