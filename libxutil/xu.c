/* xu.c: libxutil's error strings, checked allocation, buffers and file reads. */
#include "xu.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

static const char *const messages[] = {
	[0] = "success",
	[1] = "out of memory",
	[2] = "syntax error",
	[3] = "input too large",
	[4] = "wrong type",
	[5] = "value out of range",
	[6] = "I/O error",
	[7] = "not found",
	[8] = "invalid value",
	[9] = "not supported",
	[10] = "remote fault",
};

const char *
xu_strerror(int rc)
{
	size_t i = (size_t)(rc < 0 ? -rc : rc);

	if (i >= sizeof(messages) / sizeof(messages[0]) || messages[i] == NULL)
		return "unknown error";
	return messages[i];
}

void
xu_err_set(struct xu_err *err, int rc, int line, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->rc = rc;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void
oom(void)
{
	static const char m[] = "fatal: out of memory\n";

	(void)!write(2, m, sizeof(m) - 1);
	abort();
}

void *
xu_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xu_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xu_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

char *
xu_strdup(const char *s)
{
	return xu_strndup(s, strlen(s));
}

char *
xu_strndup(const char *s, size_t n)
{
	char *p = xu_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xu_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xu_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xu_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
xu_buf_init(struct xu_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
xu_buf_dispose(struct xu_buf *b)
{
	free(b->data);
	xu_buf_init(b);
}

static void
buf_reserve(struct xu_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xu_realloc(b->data, b->cap);
}

void
xu_buf_add(struct xu_buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
xu_buf_adds(struct xu_buf *b, const char *s)
{
	xu_buf_add(b, s, strlen(s));
}

void
xu_buf_addc(struct xu_buf *b, char c)
{
	xu_buf_add(b, &c, 1);
}

void
xu_buf_printf(struct xu_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xu_vasprintf(fmt, ap);
	va_end(ap);
	xu_buf_adds(b, s);
	free(s);
}

char *
xu_buf_steal(struct xu_buf *b)
{
	char *s;

	buf_reserve(b, 0);
	b->data[b->len] = '\0';	/* an empty buffer has had no add */
	s = b->data;
	xu_buf_init(b);
	return s;
}

int
xu_mkdir_p(const char *dir, mode_t mode)
{
	char *p = xu_strdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		s = strchr(s, '/');
		if (s != NULL)
			*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		if (s == NULL)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

int
xu_mkdir_of(const char *file, mode_t mode)
{
	char *dir = xu_strdup(file), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		rc = xu_mkdir_p(dir, mode);
	}
	free(dir);
	return rc;
}

int
xu_read_file(const char *path, size_t max, char **data, size_t *len)
{
	struct xu_buf b;
	char chunk[8192];
	ssize_t r;
	int fd, rc = XU_OK;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? XU_ERR_NOT_FOUND : XU_ERR_IO;
	xu_buf_init(&b);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = XU_ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			rc = XU_ERR_TOO_BIG;
			goto out;
		}
		xu_buf_add(&b, chunk, (size_t)r);
	}
	*len = b.len;
	*data = xu_buf_steal(&b);
out:
	if (rc != XU_OK) {
		int saved = errno;

		xu_buf_dispose(&b);
		errno = saved;
	}
	close(fd);
	return rc;
}

int
xu_parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return XU_ERR_SYNTAX;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || end == s)
		return XU_ERR_SYNTAX;
	if (errno == ERANGE)
		return XU_ERR_RANGE;
	*out = v;
	return XU_OK;
}

bool
xu_mac_valid(const char *s)
{
	int i;

	for (i = 0; i < 6; i++) {
		const char *o = s + 3 * i;

		if (!isxdigit((unsigned char)o[0]) || !isxdigit((unsigned char)o[1]) ||
		    o[2] != (i == 5 ? '\0' : ':'))
			return false;
	}
	return true;
}

int64_t
xu_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
xu_mono_ms(void)
{
	return xu_mono_us() / 1000;
}

double
xu_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
xu_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool
xu_fault_matches(const char *spec, const char *step, const char *domain,
    const char **action)
{
	size_t n = strcspn(spec, "@:");
	const char *p = spec + n;
	size_t dn;

	if (strlen(step) != n || strncmp(spec, step, n) != 0)
		return false;
	if (*p == '@') {
		p++;
		dn = strcspn(p, ":");
		if (domain == NULL || strlen(domain) != dn ||
		    strncmp(p, domain, dn) != 0)
			return false;
		p += dn;
	}
	*action = *p == ':' ? p + 1 : "exit";
	return true;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int
xu_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
