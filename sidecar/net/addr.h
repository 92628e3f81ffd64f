/* Socket addresses: the one place that parses, formats (the way SIP writes
 * them), compares and hashes addresses and ports.  Used by the
 * configuration, the relay, TLS and probe alike. */
#ifndef SC_NET_ADDR_H
#define SC_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum sc_transport {
	SC_TP_UDP = 0,
	SC_TP_TCP = 1,
	SC_TP_TLS = 2,
};

/* A socket address: IPv4 or IPv6 with a port. */
struct sc_net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A port: 1 to 65535 in decimal, n bytes of s.  Returns 0 or -EINVAL. */
int sc_net_port_parse(const char *s, size_t n, uint16_t *port);

/* Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address
 * (more than one colon: no port possible), n bytes of s, into host (brackets
 * removed, NUL-terminated) and *port (0 when absent); *bracketed says the
 * host was in brackets.  Returns 0 or -EINVAL (also when host does not fit
 * in hostsz). */
int sc_net_hostport_split(const char *s, size_t n, char *host, size_t hostsz, uint16_t *port,
			  bool *bracketed);

/* Is s an IPv4 or IPv6 address literal (without brackets)? */
bool sc_net_is_ip(const char *s);

/* Parses an IP literal ("192.0.2.1", "2001:db8::1", "[2001:db8::1]": only
 * IPv6 in brackets) into ip (16 bytes, network order).  Returns its length
 * (4 or 16), or 0 when s is not an IP literal. */
size_t sc_net_ip_parse(const char *s, unsigned char ip[16]);

/* Parses "host:port", "[v6]:port", or a bare address with default_port
 * (0: the port is mandatory).  Numeric addresses only; returns 0 or
 * -EINVAL. */
int sc_net_addr_parse(const char *s, uint16_t default_port, struct sc_net_addr *out);

/* sa as "a.b.c.d:port" or "[v6]:port" into buf, "?" when it cannot be
 * written: for log lines.  Returns buf. */
const char *sc_net_addr_str(const void *sa, char *buf, size_t cap);

/* "a.b.c.d:port" or "[v6]:port" into out.  Returns the length, -ENOSPC, or
 * -EINVAL for a family other than IPv4/IPv6. */
int sc_net_addr_text(const struct sockaddr *sa, char *out, size_t cap);

/* The address alone: "a.b.c.d" or "[v6]".  Same results. */
int sc_net_host_text(const struct sockaddr *sa, char *out, size_t cap);

/* Same family, address and port? */
bool sc_net_addr_eq(const struct sockaddr *a, const struct sockaddr *b);

/* The length of an IPv4 or IPv6 socket address, and its port (host
 * order); 0 for another family. */
socklen_t sc_net_addr_len(const struct sockaddr *sa);
uint16_t sc_net_addr_port(const struct sockaddr *sa);

/* Copies sa into ss (zeroed first) and its length into *len. */
void sc_net_addr_copy(struct sockaddr_storage *ss, socklen_t *len, const struct sockaddr *sa);

/* Mixes family, address and port into FNV-1a hash h (str.h): the same
 * source gives the same value, without formatting it as text. */
uint64_t sc_net_addr_hash(uint64_t h, const struct sockaddr *sa);

/* Is this the wildcard address (0.0.0.0 or ::)? */
bool sc_net_addr_any(const struct sockaddr *sa);

/* A configured "host", "host:port", "[v6]", "[v6]:port" or bare IPv6
 * address as "host:port" for a Via or Record-Route, with default_port
 * when it has none.  Returns the length or -ENOSPC. */
int sc_net_hostport(const char *s, uint16_t default_port, char *out, size_t cap);

#endif
