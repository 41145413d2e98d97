/* Logging sinks and the helpers of util.h that need a .c file. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "util.h"

enum log_level log_threshold = LOG_LVL_INFO;
static bool log_to_syslog;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
log_open(bool use_syslog, enum log_level level)
{
	if (log_to_syslog && !use_syslog)
		closelog();
	if (use_syslog && !log_to_syslog)
		openlog("linelockd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = use_syslog;
	log_threshold = level;
}

void
log_close(void)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = false;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* format(printf, 2, 0): clang's -Wformat-nonliteral (in -Wformat=2) then
 * checks the callers' formats instead of refusing the va_list one. */
static void __attribute__((format(printf, 2, 0)))
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

	if (log_to_syslog) {
		vsyslog(prio[lvl], fmt, ap);
		return;
	}
	fprintf(stderr, "linelockd: %s: ", level_names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

size_t
ll_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

uint64_t
ll_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
