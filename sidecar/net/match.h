/* Source matches: an address, an address:port, or a CIDR (lan.allow and a
 * device's match, SPEC B1). */
#ifndef SC_NET_MATCH_H
#define SC_NET_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A prefix shorter than the full length is a CIDR; port 0 matches any
 * port. */
struct sc_net_match {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix; /* 0..32 or 0..128 */
	uint16_t port;
};

/* Parses a match.  *host_bits (may be NULL) tells whether a CIDR had bits
 * set past its prefix: they are cleared ("192.168.1.5/24" means
 * 192.168.1.0/24, as in iptables and nftables).  A v4-mapped IPv6 match
 * (::ffff:a.b.c.d) is stored as the IPv4 match it means.  Returns 0 or
 * -EINVAL. */
int sc_net_match_parse(const char *s, struct sc_net_match *m, bool *host_bits);

/* Does source sa match?  An IPv4 client on a dual-stack socket (v4-mapped)
 * is an IPv4 client. */
bool sc_net_match_addr(const struct sc_net_match *m, const struct sockaddr *sa);

/* Can any source match both a and b? */
bool sc_net_match_overlap(const struct sc_net_match *a, const struct sc_net_match *b);

/* m as it would be written in the configuration.  Returns buf. */
const char *sc_net_match_text(const struct sc_net_match *m, char *buf, size_t len);

#endif
