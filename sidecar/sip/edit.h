/* Edit lists: the rewritten message is described as edits against the
 * original buffer and produced in one pass into one output buffer.
 *
 * An edit replaces len bytes at off with repl (len 0 inserts, an empty repl
 * deletes).  Edits may be added in any order; they must not overlap, except
 * that several inserts at one offset are applied in the order they were
 * added.  At one offset, inserts come before a replacement or deletion that
 * starts there, whatever the order of addition.  The replacement bytes are
 * not copied: they must stay alive until sc_edit_apply returns.
 *
 * Content-Length is kept right by sc_edit_apply (see there): callers never
 * insert one themselves.
 */
#ifndef SC_SIP_EDIT_H
#define SC_SIP_EDIT_H

#include <stddef.h>

#include "../base/str.h"
#include "msg.h"

#define SC_EDIT_MAX 64

struct sc_edit {
	size_t off;
	size_t len;
	sc_str repl;
	unsigned seq; /* order of addition, to keep inserts at one offset stable */
};

struct sc_edits {
	struct sc_edit e[SC_EDIT_MAX];
	size_t n;
};

void sc_edit_init(struct sc_edits *ed);
/* Returns 0, -ENOSPC when the list is full. */
int sc_edit_replace(struct sc_edits *ed, size_t off, size_t len, sc_str repl);
int sc_edit_insert(struct sc_edits *ed, size_t off, sc_str text);
int sc_edit_delete(struct sc_edits *ed, size_t off, size_t len);

/* Size of the output of applying ed to a message, including the fixed
 * Content-Length described below.  Returns 0 and sets *need, or -EINVAL
 * when edits overlap or fall outside the message. */
int sc_edit_size(const struct sc_sip_msg *m, const struct sc_edits *ed, size_t *need);

/* Applies the edits to message m into out (cap bytes) and stores the length
 * in *outlen.  Edits starting at or after m->body_off change the body; one
 * that starts before it and reaches into the body is -EINVAL.  When the
 * edits change the length of the body, the Content-Length header value is
 * rewritten to the new length.  A message that had no Content-Length (UDP)
 * always gets "Content-Length: N" inserted before the blank line, because
 * the output may go onto a stream, where it is mandatory.  When the caller
 * has an edit touching the Content-Length header itself, that edit wins and
 * nothing is rewritten.  Returns 0, -EINVAL (overlap or out of range), or
 * -ENOSPC (cap too small). */
int sc_edit_apply(const struct sc_sip_msg *m, const struct sc_edits *ed, char *out, size_t cap,
		  size_t *outlen);

#endif
