/* linelockctl's shared parts: the parsed command line and the helpers
 * linelockctl.c (lines, settings, logs, accounts) and ctlrules.c (block
 * list, after hours, classes, authorization codes, budgets) both use. */
#ifndef LL_LINELOCKCTL_H
#define LL_LINELOCKCTL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/store.h"

struct ctl {
	const char *dir;
	const char *partition;
	const char *pin;  /* --pin */
	const char *code; /* --code */
	bool admin;       /* --admin */
	bool json;        /* --json */
	bool clear;       /* --clear */
	bool reset;       /* --reset */
	bool budget_set;  /* any of --calls, --period, --minutes */
	uint32_t calls;   /* --calls */
	uint32_t minutes; /* --minutes */
	enum store_budget_period period; /* --period */
	unsigned limit;   /* --limit */
	struct store_actor actor;
	struct store *st;
	char **args; /* after the command */
	int nargs;
};

/* Usage on `out`; returns 2 (the exit code). */
int	ctl_usage(FILE *out);

/* "linelockctl: WHAT SUBJECT: error text" on stderr; returns 1. */
int	ctl_fail(int rc, const char *what, const char *subject);

/* Local "YYYY-MM-DD HH:MM:SS", or "-" for 0. */
void	ctl_time(char *buf, size_t len, int64_t t);

/* Prints and frees doc; 0 or 1. */
int	ctl_json_print(cJSON *doc);

/* Reads a line from stdin without echo on a terminal. 0 or -EINVAL. */
int	ctl_read_secret(char *buf, size_t len, const char *prompt);

/* "list", "add PATTERN", "del PATTERN" over one number list. */
int	ctl_list_cmd(struct ctl *c, enum store_list list);

/* Parses --calls (o 'c'), --period ('r'), --minutes ('m'), --reset
 * ('R') into c. -EINVAL for a bad value. */
int	ctl_budget_opt(struct ctl *c, int o, const char *arg);

/* The line's class, after-hours override and budget for `status`. */
void	ctl_line_rules_print(const struct store_line *l);
void	ctl_line_rules_json(cJSON *o, const struct store_line *l);

int	ctl_cmd_block(struct ctl *c);
int	ctl_cmd_afterhours(struct ctl *c);
int	ctl_cmd_class(struct ctl *c);
int	ctl_cmd_authcode(struct ctl *c);
int	ctl_cmd_budget(struct ctl *c);
int	ctl_cmd_ban(struct ctl *c);
int	ctl_cmd_device(struct ctl *c);

#endif
