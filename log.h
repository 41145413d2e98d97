/* Logging: stderr in the foreground and under procd, syslog otherwise.
 * The level is tested before anything is formatted. */
#ifndef LL_LOG_H
#define LL_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

extern enum log_level log_threshold;

/* Selects the sink: syslog (ident "linelockd") or stderr. Safe to call
 * again on reload. */
void	log_open(bool use_syslog, enum log_level level);
void	log_close(void);

/* Parses "error", "warn", "info", "debug". -EINVAL otherwise. */
int	log_level_parse(const char *s, enum log_level *out);

void	log_msg(enum log_level lvl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log__at(lvl, ...)                                                      \
	do {                                                                   \
		if ((lvl) <= log_threshold)                                    \
			log_msg((lvl), __VA_ARGS__);                           \
	} while (0)
#define log_error(...) log__at(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log__at(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log__at(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log__at(LOG_LVL_DEBUG, __VA_ARGS__)

/* Startup-only: logs and exits 1. */
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
	    __attribute__((noreturn));

#endif
