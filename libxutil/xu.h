/* xu.h: libxutil's error vocabulary and the small helpers everyone uses
 * (checked allocation, growable buffers, whole-file reads). */
#ifndef XU_H
#define XU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

/* Stable, append-only error codes of libxutil; 0 is success, errors are
 * negative so "rc < 0" reads naturally. */
enum xu_rc {
	XU_OK = 0,
	XU_ERR_NOMEM = -1,
	XU_ERR_SYNTAX = -2,	/* malformed input (SXP, XML, config) */
	XU_ERR_TOO_BIG = -3,	/* input exceeds a size or depth limit */
	XU_ERR_TYPE = -4,	/* a value has the wrong type */
	XU_ERR_RANGE = -5,	/* a number out of range */
	XU_ERR_IO = -6,		/* a read or write failed (errno kept) */
	XU_ERR_NOT_FOUND = -7,
	XU_ERR_INVALID = -8,	/* a value is not one of those allowed */
	XU_ERR_UNSUPPORTED = -9,
	XU_ERR_FAULT = -10,	/* an XML-RPC fault was received */
};

const char *xu_strerror(int rc);

/* Where a parse error happened and why; filled by parsers. */
struct xu_err {
	int rc;
	int line;		/* 1-based, 0 when unknown */
	char msg[256];
};

void xu_err_set(struct xu_err *err, int rc, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Allocation that cannot fail: on exhaustion the process aborts with a
 * message, as small allocations in a daemon have no useful recovery. */
void *xu_malloc(size_t n);
void *xu_calloc(size_t n, size_t size);
void *xu_realloc(void *p, size_t n);
char *xu_strdup(const char *s);
char *xu_strndup(const char *s, size_t n);
char *xu_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xu_vasprintf(const char *fmt, va_list ap);

/* A growable byte buffer, always NUL-terminated. */
struct xu_buf {
	char *data;
	size_t len, cap;
};

void xu_buf_init(struct xu_buf *b);
void xu_buf_dispose(struct xu_buf *b);
void xu_buf_add(struct xu_buf *b, const void *data, size_t len);
void xu_buf_adds(struct xu_buf *b, const char *s);
void xu_buf_addc(struct xu_buf *b, char c);
void xu_buf_printf(struct xu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the contents to the caller and leaves b empty. */
char *xu_buf_steal(struct xu_buf *b);

/* mkdir -p: dir and every missing parent, with mode; 0, or -1 with
 * errno. xu_mkdir_of: the same for the directory a file is in. */
int xu_mkdir_p(const char *dir, mode_t mode);
int xu_mkdir_of(const char *file, mode_t mode);

/* Reads a whole file (at most max bytes, else XU_ERR_TOO_BIG). */
int xu_read_file(const char *path, size_t max, char **data, size_t *len);

/* A listening UNIX socket at path (non-blocking, close-on-exec): its
 * directory made (the last level mode 0700), a stale socket removed (one
 * that still answers is refused), mode 0600 from the start. Returns the
 * fd, or -1 with err filled (err->rc set). */
int xu_unix_listen(const char *path, int backlog, struct xu_err *err);

/* Who holds the lock of a daemon's pid file (xend's): its pid, 0 for
 * nobody (no file, or a file left by a daemon that died). */
pid_t xu_pidfile_holder(const char *path);

/* aa:bb:cc:dd:ee:ff: six hex pairs, colon-separated, nothing else. */
bool xu_mac_valid(const char *s);

/* Strict decimal integer parse of the whole string. */
int xu_parse_int64(const char *s, int64_t *out);

/* Clocks. Monotonic, for intervals and deadlines: milliseconds,
 * microseconds, seconds. Wall (epoch seconds), for what is recorded or
 * shown. */
int64_t xu_mono_ms(void);
int64_t xu_mono_us(void);
double xu_mono_s(void);
double xu_wall_s(void);

/* Removes path and everything under it, on its own file system only,
 * never following a symlink; 0 (also when path is not there) or -1. */
int xu_rm_tree(const char *path);

/* Test-only fault injection (xend's XEND_TEST_EXIT_AT, xenhv's
 * XENHV_TEST_EXIT_AT): does spec, "STEP[@DOMAIN][:ACTION]", name this
 * step of this domain? *action is ACTION, or "exit". */
bool xu_fault_matches(const char *spec, const char *step, const char *domain,
    const char **action);

#endif
