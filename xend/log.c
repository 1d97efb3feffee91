/* log.c: xend's log file in the classic xend.log format, rotated the way
 * Python's RotatingFileHandler did (1 MiB, 5 backups), plus a ring of the
 * recent lines that xm dmesg reads. One process, one log: state is global. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {
	[LOG_LVL_DEBUG] = "DEBUG",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_WARNING] = "WARNING",
	[LOG_LVL_ERROR] = "ERROR",
	[LOG_LVL_CRITICAL] = "CRITICAL",
};

static struct {
	char *path;
	int fd;
	size_t size;		/* bytes in the current file */
	size_t rotate_bytes;
	enum log_level level;
	bool to_stderr;
	struct xu_buf ring;
} lg = {
	.fd = -1,
	.rotate_bytes = LOG_ROTATE_BYTES,
	.level = LOG_LVL_DEBUG,
};

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if ((size_t)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "UNKNOWN";
	return level_names[level];
}

static int
open_file(const char *path, int *fd, size_t *size, struct xu_err *err)
{
	struct stat st;
	int f;

	f = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (f < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot open log file %s: %s",
		    path, strerror(errno));
		return XU_ERR_IO;
	}
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		xu_err_set(err, XU_ERR_IO, 0, "log file %s is not a regular file",
		    path);
		close(f);
		return XU_ERR_IO;
	}
	*fd = f;
	*size = (size_t)st.st_size;
	return XU_OK;
}

int
log_open(const char *path, enum log_level level, struct xu_err *err)
{
	size_t size;
	int fd, rc;

	if ((rc = open_file(path, &fd, &size, err)) != XU_OK)
		return rc;
	log_close();
	lg.path = xu_strdup(path);
	lg.fd = fd;
	lg.size = size;
	lg.level = level;
	return XU_OK;
}

void
log_close(void)
{
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
	free(lg.path);
	lg.path = NULL;
}

int
log_reopen(struct xu_err *err)
{
	size_t size;
	int fd, rc;

	if (lg.path == NULL)
		return XU_OK;
	if ((rc = open_file(lg.path, &fd, &size, err)) != XU_OK)
		return rc;
	close(lg.fd);
	lg.fd = fd;
	lg.size = size;
	return XU_OK;
}

void
log_set_level(enum log_level level)
{
	lg.level = level;
}

enum log_level
log_get_level(void)
{
	return lg.level;
}

void
log_set_stderr(bool on)
{
	lg.to_stderr = on;
}

void
log_set_rotate_bytes(size_t bytes)
{
	lg.rotate_bytes = bytes ? bytes : LOG_ROTATE_BYTES;
}

const char *
log_path(void)
{
	return lg.path;
}

/* xend.log.4 -> .5, ..., xend.log -> .1, then a new xend.log. If a rename
 * fails the line still goes somewhere: the (re)opened base file. */
static void
rotate(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	size_t size;
	int i, fd;

	for (i = LOG_ROTATE_BACKUPS - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", lg.path, i);
		snprintf(to, sizeof(to), "%s.%d", lg.path, i + 1);
		(void)rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", lg.path);
	(void)rename(lg.path, to);
	if (open_file(lg.path, &fd, &size, NULL) != XU_OK)
		return;		/* keep writing to the renamed file */
	close(lg.fd);
	lg.fd = fd;
	lg.size = size;
}

/* Keeps at most twice the ring size, trimming to the newest lines when it
 * is exceeded, so adding a line is amortised O(1). */
static void
ring_add(const char *line, size_t len)
{
	const char *cut;
	size_t drop;

	xu_buf_add(&lg.ring, line, len);
	if (lg.ring.len <= 2 * LOG_RING_BYTES)
		return;
	drop = lg.ring.len - LOG_RING_BYTES;
	cut = memchr(lg.ring.data + drop, '\n', lg.ring.len - drop);
	drop = cut ? (size_t)(cut + 1 - lg.ring.data) : lg.ring.len;
	memmove(lg.ring.data, lg.ring.data + drop, lg.ring.len - drop + 1);
	lg.ring.len -= drop;
}

char *
log_ring_text(void)
{
	const char *start = lg.ring.data ? lg.ring.data : "";
	const char *nl;

	if (lg.ring.len > LOG_RING_BYTES) {
		start = lg.ring.data + lg.ring.len - LOG_RING_BYTES;
		if ((nl = strchr(start, '\n')) != NULL)
			start = nl + 1;
	}
	return xu_strdup(start);
}

void
log_ring_clear(void)
{
	xu_buf_dispose(&lg.ring);
	xu_buf_init(&lg.ring);
}

/* A full write, retried on EINTR; the log is a regular file, so this does
 * not wait on anyone. */
static void
write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		len -= (size_t)r;
	}
}

/* stderr under systemd is a socket to the journal: never wait on it,
 * drop the copy instead (the file has the line). */
static void
write_stderr(const char *p, size_t len)
{
	ssize_t r = send(2, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (r < 0 && errno == ENOTSOCK)
		write_all(2, p, len);
}

static void
module_of(const char *file, char *mod, size_t size)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strcspn(base, ".");
	snprintf(mod, size, "%.*s", (int)n, base);
}

void
log_vwrite(enum log_level level, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct xu_buf b;
	char stamp[32], mod[64];
	struct tm tm;
	time_t now;
	int saved = errno;

	if (level < lg.level)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	module_of(file, mod, sizeof(mod));

	xu_buf_init(&b);
	xu_buf_printf(&b, "[%s %ld] %s (%s:%d) ", stamp, (long)getpid(),
	    log_level_name(level), mod, line);
	{
		char *msg = xu_vasprintf(fmt, ap);

		xu_buf_adds(&b, msg);
		free(msg);
	}
	xu_buf_addc(&b, '\n');

	if (lg.fd >= 0) {
		if (lg.size > 0 && lg.size + b.len > lg.rotate_bytes)
			rotate();
		write_all(lg.fd, b.data, b.len);
		lg.size += b.len;
	}
	if (lg.to_stderr)
		write_stderr(b.data, b.len);
	/* xm dmesg shows what happened, not every request's debug line */
	if (level >= LOG_LVL_INFO)
		ring_add(b.data, b.len);
	xu_buf_dispose(&b);
	errno = saved;
}

void
log_write(enum log_level level, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, file, line, fmt, ap);
	va_end(ap);
}

static void
xc_log(void *opaque, enum xc_loglevel level, const char *fmt, va_list ap)
{
	static const enum log_level map[] = {
		[XC_LOG_DEBUG] = LOG_LVL_DEBUG,
		[XC_LOG_INFO] = LOG_LVL_INFO,
		[XC_LOG_WARNING] = LOG_LVL_WARNING,
		[XC_LOG_ERROR] = LOG_LVL_ERROR,
	};
	enum log_level l = LOG_LVL_ERROR;

	if ((size_t)level < sizeof(map) / sizeof(map[0]))
		l = map[level];
	log_vwrite(l, "xc", 0, fmt, ap);
}

const struct xc_logger *
log_xc_logger(void)
{
	static const struct xc_logger logger = { xc_log, NULL };

	return &logger;
}
