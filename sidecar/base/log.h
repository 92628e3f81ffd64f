/* Logging: one printf-checked API, one module tag per file.
 *
 * A file sets its tag before including this header:
 *     #define LOG_TAG "conf"
 *     #include "log.h"
 * Private keys and Authorization headers are never passed to these calls.
 */
#ifndef SC_LOG_H
#define SC_LOG_H

#include <stdarg.h>

enum sc_log_level {
	SC_LOG_ERROR = 0,
	SC_LOG_WARN = 1,
	SC_LOG_INFO = 2,
	SC_LOG_DEBUG = 3,
};

enum sc_log_target {
	SC_LOG_STDERR = 0,
	SC_LOG_SYSLOG = 1,
};

#if defined(__GNUC__) || defined(__clang__)
#define SC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SC_PRINTF(fmt, args)
#endif

void sc_log_setup(enum sc_log_level level, enum sc_log_target target);
int sc_log_enabled(enum sc_log_level level);
void sc_log_write(enum sc_log_level level, const char *tag, const char *fmt, ...) SC_PRINTF(3, 4);
void sc_log_vwrite(enum sc_log_level level, const char *tag, const char *fmt, va_list ap) SC_PRINTF(3, 0);
/* Parses "error", "warn", "info" or "debug"; returns the level or -1. */
int sc_log_level_parse(const char *name);
/* The name of a level, or NULL past the last one, so that a caller can list
 * them all (conf's message for a bad log.level). */
const char *sc_log_level_name(int level);

#ifndef LOG_TAG
#define LOG_TAG "sidecar"
#endif

#define log_error(...) sc_log_write(SC_LOG_ERROR, LOG_TAG, __VA_ARGS__)
#define log_warn(...) sc_log_write(SC_LOG_WARN, LOG_TAG, __VA_ARGS__)
#define log_info(...) sc_log_write(SC_LOG_INFO, LOG_TAG, __VA_ARGS__)
#define log_debug(...)                                          \
	do {                                                    \
		if (sc_log_enabled(SC_LOG_DEBUG))               \
			sc_log_write(SC_LOG_DEBUG, LOG_TAG, __VA_ARGS__); \
	} while (0)

#endif
