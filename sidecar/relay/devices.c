/* The registry of devices and upstreams: see devices.h. */
#include <errno.h>
#include <stdlib.h>

#include "attrib.h"
#include "devices.h"

void sc_devices_free(struct sc_devices *r)
{
	size_t i;

	for (i = 0; r->dev && i < r->ndev; i++) {
		if (!r->dev[i])
			continue;
		free(r->dev[i]->reg);
		free(r->dev[i]->pending);
		free(r->dev[i]);
	}
	for (i = 0; r->up && i < r->nup; i++)
		free(r->up[i]);
	free(r->dev);
	free(r->up);
	r->dev = NULL;
	r->up = NULL;
	r->ndev = r->nup = 0;
}

int sc_devices_build(struct sc_devices *r, const struct sc_conf *conf)
{
	size_t i;
	int rc = 0;

	r->ndev = r->nup = 0;
	r->up = calloc(conf->nupstreams + 1, sizeof(*r->up));
	r->dev = calloc(conf->ndevices + 1, sizeof(*r->dev));
	if (!r->up || !r->dev)
		rc = -ENOMEM;
	for (i = 0; rc == 0 && i < conf->nupstreams; i++) {
		struct sc_up *u = calloc(1, sizeof(*u));

		if (!u) {
			rc = -ENOMEM;
			break;
		}
		u->name = conf->upstreams[i].name;
		u->conf = &conf->upstreams[i];
		sc_attrib_init(u);
		r->up[r->nup++] = u;
	}
	for (i = 0; rc == 0 && i < conf->ndevices; i++) {
		const struct sc_conf_device *cd = &conf->devices[i];
		struct sc_dev *d = calloc(1, sizeof(*d));

		if (!d) {
			rc = -ENOMEM;
			break;
		}
		d->name = cd->name;
		d->conf = cd;
		d->up = sc_devices_upstream(r, sc_str_cstr(cd->upstream_name));
		r->dev[r->ndev++] = d;
		if (!d->up)
			rc = -ENOENT;
	}
	if (rc < 0)
		sc_devices_free(r);
	return rc;
}

struct sc_dev *sc_devices_find(const struct sc_devices *r, sc_str name)
{
	size_t i;

	for (i = 0; i < r->ndev; i++)
		if (sc_str_eqz(name, r->dev[i]->name))
			return r->dev[i];
	return NULL;
}

struct sc_up *sc_devices_upstream(const struct sc_devices *r, sc_str name)
{
	size_t i;

	for (i = 0; i < r->nup; i++)
		if (sc_str_eqz(name, r->up[i]->name))
			return r->up[i];
	return NULL;
}
