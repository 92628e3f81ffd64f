/* Borrowed byte slices: a pointer into a buffer someone else owns, and a length.
 *
 * The SIP parser hands out slices of the receive buffer instead of copies, so
 * parsing never allocates and a rewritten message can refer back to the
 * original bytes by offset.
 */
#ifndef SC_STR_H
#define SC_STR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sc_str {
	const char *p;
	size_t n;
} sc_str;

#define SC_STR_NULL ((sc_str){ NULL, 0 })
#define SC_STR_LIT(s) ((sc_str){ (s), sizeof(s) - 1 })

static inline sc_str sc_str_make(const char *p, size_t n)
{
	sc_str s = { p, n };
	return s;
}

static inline sc_str sc_str_cstr(const char *z)
{
	return sc_str_make(z, z ? strlen(z) : 0);
}

/* A slice is "set" when it points somewhere, even if it is empty: an empty
 * parameter value (";lr") and an absent one are different things in SIP. */
static inline bool sc_str_set(sc_str s)
{
	return s.p != NULL;
}

static inline int sc_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline bool sc_str_eq(sc_str a, sc_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* Case-sensitive comparison with a C string (SIP methods compare this way). */
static inline bool sc_str_eqz(sc_str a, const char *z)
{
	return sc_str_eq(a, sc_str_cstr(z));
}

/* ASCII case-insensitive comparison; SIP header names, methods and most
 * tokens compare this way regardless of the C locale. */
static inline bool sc_str_caseeq(sc_str a, sc_str b)
{
	size_t i;

	if (a.n != b.n)
		return false;
	for (i = 0; i < a.n; i++)
		if (sc_lower((unsigned char)a.p[i]) != sc_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

static inline bool sc_str_caseeqz(sc_str a, const char *z)
{
	return sc_str_caseeq(a, sc_str_cstr(z));
}

/* Offset of a slice inside the buffer it was cut from. */
static inline size_t sc_str_off(sc_str s, const char *base)
{
	return (size_t)(s.p - base);
}

/* FNV-1a over a slice (start with SC_STR_HASH_INIT): tiny, and good enough
 * to tell transactions apart; our branches need to be unique, not secret. */
#define SC_STR_HASH_INIT 0xcbf29ce484222325ULL
static inline uint64_t sc_str_hash(uint64_t h, sc_str s)
{
	size_t i;

	for (i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The same over the eight bytes of a number, lowest first (no text
 * formatting on the hot path; a key never leaves the process as a hash
 * input, only as the result). */
static inline uint64_t sc_str_hash_u64(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8) {
		h ^= v & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Exactly 16 lowercase hex digits (a key the sidecar wrote into a branch
 * or parameter) into *out.  Returns 0 or -EBADMSG. */
static inline int sc_str_hex64(sc_str s, uint64_t *out)
{
	uint64_t k = 0;
	size_t i;

	if (s.n != 16)
		return -EBADMSG;
	for (i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c >= '0' && c <= '9')
			k = k << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			k = k << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -EBADMSG;
	}
	*out = k;
	return 0;
}

#endif
