/* log.h: xend's log: classic xend.log lines, a level filter, rotation at
 * 1 MiB with 5 backups, and an in-memory ring of recent lines (xm dmesg). */
#ifndef XEND_LOG_H
#define XEND_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "xenctrl.h"
#include "xu.h"

/* Python logging's levels, in order. */
enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_WARNING,
	LOG_LVL_ERROR,
	LOG_LVL_CRITICAL,
};

#define LOG_ROTATE_BYTES	(1u << 20)	/* classic maxBytes */
#define LOG_ROTATE_BACKUPS	5		/* classic backupCount */
#define LOG_RING_BYTES		(64u << 10)	/* what xm dmesg can show */

/* "DEBUG" .. "CRITICAL" (case-insensitive) to a level; -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);

/* Opens (creating) the log file for appending. Until it is called, and
 * after log_close, lines go only to the ring and, if enabled, stderr.
 * On failure err says which file and why, and nothing changes. */
int log_open(const char *path, enum log_level level, struct xu_err *err);
void log_close(void);
/* Reopens the same path (SIGHUP, after an outside logrotate). */
int log_reopen(struct xu_err *err);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also copy every line to stderr (xend -F: the terminal or the journal). */
void log_set_stderr(bool on);
/* Changes the rotation size (tests); 0 restores LOG_ROTATE_BYTES. */
void log_set_rotate_bytes(size_t bytes);
const char *log_path(void);

/* Writes one line "[%Y-%m-%d %H:%M:%S PID] LEVEL (module:line) message";
 * module is taken from file (its base name without ".c"). */
void log_write(enum log_level level, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void log_vwrite(enum log_level level, const char *file, int line,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#define log_debug(...)	log_write(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)	log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)	log_write(LOG_LVL_WARNING, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...)	log_write(LOG_LVL_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_crit(...)	log_write(LOG_LVL_CRITICAL, __FILE__, __LINE__, __VA_ARGS__)

/* The ring of recent lines at INFO or above (xend.node.dmesg.info),
 * oldest first; the caller frees. log_ring_clear empties it (xm dmesg -c). */
char *log_ring_text(void);
void log_ring_clear(void);

/* A logger for libxc that writes through this log, as module "xc". */
const struct xc_logger *log_xc_logger(void);

#endif
