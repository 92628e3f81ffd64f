/* libFuzzer target: the configuration loader on arbitrary bytes.
 *
 * SC_CONF_NO_FILES keeps it deterministic (no certificate files are opened).
 * Besides not crashing or leaking, a successful load must give a config whose
 * references hold, and every message must have a sane position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sidecar/conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_diags dg;
	struct sc_conf *c = NULL;
	size_t i;
	int rc;

	memset(&dg, 0, sizeof(dg));
	rc = sc_conf_load_buf("fuzz.yaml", (const char *)data, size, SC_CONF_NO_FILES, &c, &dg);
	if ((rc == 0) != (c != NULL) || (rc == 0 && dg.nerrors != 0) || (rc != 0 && dg.nerrors == 0))
		abort();
	for (i = 0; i < dg.n; i++)
		if (dg.d[i].line < 0 || dg.d[i].col < 0 || (dg.d[i].line > 0 && dg.d[i].col < 1) ||
		    !dg.d[i].msg)
			abort();
	if (c) {
		/* Every device names an upstream that exists (the relay looks
		 * it up by name). */
		for (i = 0; i < c->ndevices; i++) {
			size_t j;

			if (!c->devices[i].name || !c->devices[i].upstream_name)
				abort();
			for (j = 0; j < c->nupstreams; j++)
				if (!strcmp(c->upstreams[j].name, c->devices[i].upstream_name))
					break;
			if (j == c->nupstreams)
				abort();
		}
		for (i = 0; i < c->nupstreams; i++)
			if (!c->upstreams[i].host || !c->upstreams[i].server_name)
				abort();
		if (c->lan.nlisten == 0)
			abort();
	}
	sc_conf_free(c);
	sc_diags_free(&dg);
	return 0;
}
