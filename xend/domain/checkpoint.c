/* checkpoint.c: the saved-domain file's header: written before QEMU's
 * stream, checked before anything of a restore is created. */
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sxp.h"

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static int
write_all(int fd, const void *data, size_t len, struct xu_err *err)
{
	const char *p = data;
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			xu_err_set(err, XU_ERR_IO, 0, "writing the saved domain: %s",
			    r < 0 ? strerror(errno) : "short write");
			return XU_ERR_IO;
		}
		p += r;
		len -= (size_t)r;
	}
	return XU_OK;
}

int
ckpt_write_header(int fd, const struct xv *vm, off_t *len_off, struct xu_err *err)
{
	char *sxp = sxp_to_string(vm);
	size_t n = strlen(sxp);
	unsigned char len[4], hdr[CKPT_HEADER_LEN];
	off_t pos;
	int rc;

	if (n > CKPT_SXP_MAX) {
		free(sxp);
		xu_err_set(err, XU_ERR_TOO_BIG, 0, "the domain's config is too large "
		    "to save (%zu bytes)", n);
		return XU_ERR_TOO_BIG;
	}
	put32(len, (uint32_t)n);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, CKPT_MAGIC, 8);
	put32(hdr + 8, CKPT_VERSION);
	put32(hdr + 12, 0);
	put64(hdr + 16, 0);
	if ((rc = write_all(fd, CKPT_SIGNATURE, CKPT_SIGNATURE_LEN, err)) != XU_OK ||
	    (rc = write_all(fd, len, 4, err)) != XU_OK ||
	    (rc = write_all(fd, sxp, n, err)) != XU_OK)
		goto out;
	pos = lseek(fd, 0, SEEK_CUR);
	if ((rc = write_all(fd, hdr, sizeof(hdr), err)) != XU_OK)
		goto out;
	*len_off = pos + 16;
out:
	free(sxp);
	return rc;
}

int
ckpt_finish(int fd, off_t len_off, off_t stream_off, struct xu_err *err)
{
	unsigned char b[8];
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < stream_off) {
		xu_err_set(err, XU_ERR_IO, 0, "the saved domain has no engine state");
		return XU_ERR_IO;
	}
	put64(b, (uint64_t)(end - stream_off));
	if (pwrite(fd, b, sizeof(b), len_off) != (ssize_t)sizeof(b)) {
		xu_err_set(err, XU_ERR_IO, 0, "finishing the saved domain: %s",
		    strerror(errno));
		return XU_ERR_IO;
	}
	return XU_OK;
}

static int
read_exact(int fd, void *buf, size_t len, const char *path, const char *what,
    struct xu_err *err)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			xu_err_set(err, XU_ERR_IO, 0, "%s: %s", path, strerror(errno));
			return XU_ERR_IO;
		}
		if (r == 0) {
			xu_err_set(err, XU_ERR_INVALID, 0, "%s is truncated: it ends in "
			    "the %s", path, what);
			return XU_ERR_INVALID;
		}
		got += (size_t)r;
	}
	return XU_OK;
}

void
ckpt_info_dispose(struct ckpt_info *info)
{
	xv_free(info->vm);
	memset(info, 0, sizeof(*info));
}

int
ckpt_read(int fd, const char *path, struct ckpt_info *info, struct xu_err *err)
{
	unsigned char sig[CKPT_SIGNATURE_LEN], len[4], hdr[CKPT_HEADER_LEN];
	struct xu_err perr = { 0 };
	struct stat st;
	char *sxp = NULL;
	uint32_t n;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = read_exact(fd, sig, sizeof(sig), path, "signature", err);
	if (rc == XU_ERR_IO)
		return rc;
	if (rc != XU_OK || memcmp(sig, CKPT_SIGNATURE, CKPT_SIGNATURE_LEN) != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s is not a saved domain (no "
		    "LinuxGuestRecord signature)", path);
		return XU_ERR_INVALID;
	}
	if ((rc = read_exact(fd, len, 4, path, "config's length", err)) != XU_OK)
		return rc;
	n = get32(len);
	if (n == 0 || n > CKPT_SXP_MAX) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s is corrupt: a config of %u "
		    "bytes", path, n);
		return XU_ERR_INVALID;
	}
	sxp = xu_malloc(n + 1);
	if ((rc = read_exact(fd, sxp, n, path, "config", err)) != XU_OK)
		goto out;
	sxp[n] = '\0';
	if (sxp_parse_one(sxp, n, &info->vm, &perr) != XU_OK ||
	    xv_name(info->vm) == NULL || strcmp(xv_name(info->vm), "vm") != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s is corrupt: its config is not "
		    "a (vm ...) SXP%s%s", path, perr.msg[0] ? ": " : "", perr.msg);
		rc = XU_ERR_INVALID;
		goto out;
	}
	if ((rc = read_exact(fd, hdr, sizeof(hdr), path, "header", err)) != XU_OK)
		goto out;
	if (memcmp(hdr, CKPT_MAGIC, 8) != 0) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "%s was saved by another "
		    "toolstack (classic xend's libxc stream); it cannot be restored "
		    "here", path);
		rc = XU_ERR_UNSUPPORTED;
		goto out;
	}
	info->version = get32(hdr + 8);
	info->flags = get32(hdr + 12);
	info->stream_len = get64(hdr + 16);
	info->stream_off = lseek(fd, 0, SEEK_CUR);
	if (info->version == 0 || info->version > CKPT_VERSION) {
		xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "%s has format version %u; this "
		    "xend reads up to %d", path, info->version, CKPT_VERSION);
		rc = XU_ERR_UNSUPPORTED;
		goto out;
	}
	if (info->stream_len == 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s is incomplete: its save did "
		    "not finish", path);
		rc = XU_ERR_INVALID;
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)(st.st_size - info->stream_off) < info->stream_len) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s is truncated: %llu of its %llu "
		    "bytes of engine state are missing", path,
		    (unsigned long long)(info->stream_len -
		    (uint64_t)(st.st_size - info->stream_off)),
		    (unsigned long long)info->stream_len);
		rc = XU_ERR_INVALID;
		goto out;
	}
	rc = XU_OK;
out:
	free(sxp);
	if (rc != XU_OK)
		ckpt_info_dispose(info);
	return rc;
}
