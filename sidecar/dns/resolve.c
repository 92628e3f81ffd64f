/* Name resolution over uv_getaddrinfo: see resolve.h. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "resolve.h"

static void set_port(struct sc_net_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

static void on_getaddrinfo(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct sc_dns_query *q = req->data;
	struct sc_net_addr targets[SC_DNS_TARGETS_MAX];
	const struct addrinfo *ai;
	size_t n = 0;
	sc_dns_cb cb = q->cb;
	void *arg = q->arg;

	q->busy = false;
	if (q->cancelled) {
		q->cancelled = false;
		uv_freeaddrinfo(res);
		return;
	}
	for (ai = status == 0 ? res : NULL; ai && n < SC_DNS_TARGETS_MAX; ai = ai->ai_next) {
		if (!ai->ai_addr || sc_net_addr_len(ai->ai_addr) == 0 ||
		    ai->ai_addrlen < sc_net_addr_len(ai->ai_addr))
			continue; /* neither IPv4 nor IPv6 */
		sc_net_addr_copy(&targets[n].ss, &targets[n].len, ai->ai_addr);
		set_port(&targets[n], q->port);
		n++;
	}
	uv_freeaddrinfo(res);
	if (status == 0 && n == 0)
		status = UV_EAI_NODATA;
	/* Last: the callback may use q again or free it. */
	cb(q, status, status == 0 ? targets : NULL, status == 0 ? n : 0, arg);
}

int sc_dns_resolve(uv_loop_t *loop, struct sc_dns_query *q, const char *host, uint16_t port,
		   int socktype, sc_dns_cb cb, void *arg)
{
	struct addrinfo hints;
	char service[8];
	int rc;

	if (q->busy)
		return UV_EBUSY;
	if (!host || !*host || !cb)
		return UV_EINVAL;
	memset(q, 0, sizeof(*q));
	q->cb = cb;
	q->arg = arg;
	q->port = port;
	q->req.data = q;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	rc = uv_getaddrinfo(loop, &q->req, on_getaddrinfo, host, service, &hints);
	if (rc < 0)
		return rc;
	q->busy = true;
	return 0;
}

void sc_dns_cancel(struct sc_dns_query *q)
{
	if (!q->busy)
		return;
	q->cancelled = true;
	/* When the work is already running uv_cancel fails; the completion
	 * then comes with the real answer and is dropped all the same. */
	uv_cancel((uv_req_t *)&q->req);
}

bool sc_dns_busy(const struct sc_dns_query *q)
{
	return q->busy;
}
