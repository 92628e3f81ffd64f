/* Source matches: see match.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "match.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int sc_net_match_parse(const char *s, struct sc_net_match *m, bool *host_bits)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned max, bit;
	uint16_t port = 0;
	bool br = false, dummy;
	size_t len;

	if (!host_bits)
		host_bits = &dummy;
	memset(m, 0, sizeof(*m));
	*host_bits = false;
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash) {
		const char *p = slash + 1;
		unsigned long v = 0;

		len = (size_t)(slash - s);
		if (len == 0 || len >= sizeof(host) || !*p || strlen(p) > 3)
			return -EINVAL;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		memcpy(host, s, len);
		host[len] = '\0';
		m->prefix = (unsigned)v;
	} else if (sc_net_hostport_split(s, strlen(s), host, sizeof(host), &port, &br) != 0) {
		return -EINVAL;
	}
	if (!br && inet_pton(AF_INET, host, m->addr) == 1) {
		m->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, m->addr) == 1) {
		m->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (!slash)
		m->prefix = max;
	if (m->prefix > max)
		return -EINVAL;
	m->port = port;
	for (bit = m->prefix; bit < max; bit++) {
		uint8_t mask = (uint8_t)(0x80u >> (bit % 8));

		if (m->addr[bit / 8] & mask)
			*host_bits = true;
		m->addr[bit / 8] &= (uint8_t)~mask;
	}
	if (m->family == AF_INET6 && m->prefix >= 96 &&
	    !memcmp(m->addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		m->family = AF_INET;
		memmove(m->addr, m->addr + 12, 4);
		memset(m->addr + 4, 0, 12);
		m->prefix -= 96;
	}
	return 0;
}

/* Do the first bits bits of a and b agree? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (full && memcmp(a, b, full) != 0)
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xffu << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

bool sc_net_match_addr(const struct sc_net_match *m, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const uint8_t *a;
	uint16_t port;
	int family;

	if (!m || !sa)
		return false;
	/* Copies, because sa may point into a byte buffer with no alignment
	 * guarantee. */
	if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		family = AF_INET;
		a = (const uint8_t *)&sin.sin_addr;
		port = ntohs(sin.sin_port);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		a = sin6.sin6_addr.s6_addr;
		port = ntohs(sin6.sin6_port);
		family = AF_INET6;
		if (!memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix))) {
			family = AF_INET;
			a += 12;
		}
	} else {
		return false;
	}
	if (family != m->family || !prefix_eq(a, m->addr, m->prefix))
		return false;
	return m->port == 0 || m->port == port;
}

bool sc_net_match_overlap(const struct sc_net_match *a, const struct sc_net_match *b)
{
	if (a->family != b->family)
		return false;
	if (a->port && b->port && a->port != b->port)
		return false;
	return prefix_eq(a->addr, b->addr, a->prefix < b->prefix ? a->prefix : b->prefix);
}

const char *sc_net_match_text(const struct sc_net_match *m, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned max = m->family == AF_INET ? 32 : 128;

	if (!inet_ntop(m->family, m->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (m->prefix < max)
		snprintf(buf, len, "%s/%u", a, m->prefix);
	else if (m->port)
		snprintf(buf, len, m->family == AF_INET ? "%s:%u" : "[%s]:%u", a, m->port);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}
