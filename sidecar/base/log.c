/* Logging to stderr or syslog.  The syslog side lives in platform/ so that a
 * target without it (or with procd's logd) can swap it out. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "../../platform/platform.h"

static enum sc_log_level log_level = SC_LOG_INFO;
static enum sc_log_target log_target = SC_LOG_STDERR;

/* The one spelling of each level: in log lines, and in log.level of the
 * configuration, which parses it with sc_log_level_parse. */
static const char *const level_names[] = { "error", "warn", "info", "debug" };
#define NLEVELS ((int)(sizeof(level_names) / sizeof(level_names[0])))

void sc_log_setup(enum sc_log_level level, enum sc_log_target target)
{
	log_level = level;
	if (target == SC_LOG_SYSLOG && log_target != SC_LOG_SYSLOG)
		sc_platform_syslog_open("sipsidecar");
	log_target = target;
}

int sc_log_enabled(enum sc_log_level level)
{
	return level <= log_level;
}

int sc_log_level_parse(const char *name)
{
	int i;

	for (i = 0; i < NLEVELS; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *sc_log_level_name(int level)
{
	return level >= 0 && level < NLEVELS ? level_names[level] : NULL;
}

void sc_log_vwrite(enum sc_log_level level, const char *tag, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (log_target == SC_LOG_SYSLOG) {
		sc_platform_syslog((int)level, tag, line);
		return;
	}
	fprintf(stderr, "sipsidecar %s [%s] %s\n", level_names[level], tag, line);
}

void sc_log_write(enum sc_log_level level, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_log_vwrite(level, tag, fmt, ap);
	va_end(ap);
}
