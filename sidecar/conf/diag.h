/* Diagnostics: the problems found in a configuration, each at FILE:LINE:COL.
 *
 * Loading collects every problem instead of stopping at the first, so that
 * one `sipsidecar check` shows them all; this is the list they go into and
 * the one way they are printed.
 */
#ifndef SC_CONF_DIAG_H
#define SC_CONF_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../base/log.h"

/* One problem found while loading. */
struct sc_diag {
	int line; /* 1-based; 0 when the problem is about the whole file */
	int col;
	bool warning;
	char *msg;
};

struct sc_diags {
	char *file; /* name printed before each message ("<stdin>" for "-") */
	struct sc_diag *d;
	size_t n;
	size_t cap;
	size_t nerrors;
	size_t nwarnings;
};

/* Sets the name printed before each message; keeps the old one when out of
 * memory. */
void sc_diags_set_file(struct sc_diags *dg, const char *name);

/* Adds one message.  The error or warning is counted even when the message
 * cannot be stored, so that a load never succeeds past an error.  Returns 0,
 * -ENOMEM or -EINVAL (an unformattable message). */
int sc_diags_vadd(struct sc_diags *dg, bool warning, int line, int col, const char *fmt,
		  va_list ap) SC_PRINTF(5, 0);
void sc_diags_add(struct sc_diags *dg, bool warning, int line, int col, const char *fmt, ...)
	SC_PRINTF(5, 6);

/* Puts the messages from index from on in file order, whole-file ones
 * first. */
void sc_diags_sort(struct sc_diags *dg, size_t from);

/* Prints every diagnostic as FILE:LINE:COL: error|warning: message. */
void sc_diags_print(const struct sc_diags *dg, FILE *f);
void sc_diags_free(struct sc_diags *dg);

#endif
