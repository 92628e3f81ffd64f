/* Diagnostics: collecting, ordering and printing the FILE:LINE:COL messages
 * of a configuration load.
 *
 * Only the list lives here; what a message says, and where it points, is
 * decided by the loader (load.c) and the checks that call it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void sc_diags_set_file(struct sc_diags *dg, const char *name)
{
	char *f = strdup(name);

	if (f) {
		free(dg->file);
		dg->file = f;
	}
}

int sc_diags_vadd(struct sc_diags *dg, bool warning, int line, int col, const char *fmt,
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

void sc_diags_add(struct sc_diags *dg, bool warning, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_diags_vadd(dg, warning, line, col, fmt, ap);
	va_end(ap);
}

/* An insertion sort, because it is stable: two messages at the same place
 * keep the order they were found in, which is the order the checks run. */
void sc_diags_sort(struct sc_diags *dg, size_t from)
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
