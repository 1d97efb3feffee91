/* checkpoint.h: the saved-domain file, as classic xend wrote it
 * (reference 6.4): the 16-byte signature "LinuxGuestRecord", a 4-byte
 * big-endian length, the domain's (vm ...) config as one SXP line; then
 * our own header (magic "XenHVSv\0", version, flags, the length of the
 * engine's stream) and QEMU's migration stream. A file is recognised by
 * its first 16 bytes; a truncated, foreign or corrupt one is refused
 * before anything is created. */
#ifndef XEND_CHECKPOINT_H
#define XEND_CHECKPOINT_H

#include <stdint.h>
#include <sys/types.h>

#include "xu.h"
#include "xv.h"

#define CKPT_SIGNATURE		"LinuxGuestRecord"
#define CKPT_SIGNATURE_LEN	16
#define CKPT_MAGIC		"XenHVSv"	/* 8 bytes with its NUL */
#define CKPT_VERSION		1
#define CKPT_SXP_MAX		(1 << 20)
#define CKPT_HEADER_LEN		24		/* magic, version, flags, length */

struct ckpt_info {
	struct xv *vm;		/* the domain's config (caller frees) */
	uint32_t version, flags;
	uint64_t stream_len;	/* bytes of the engine's stream */
	off_t stream_off;	/* where it starts */
};

/* Writes everything before the engine's stream at fd's position, with a
 * stream length of 0 (unfinished) until ckpt_finish; *len_off gets where
 * that length is. */
int ckpt_write_header(int fd, const struct xv *vm, off_t *len_off,
    struct xu_err *err);
/* Records the stream's length (the file's end less stream_off). */
int ckpt_finish(int fd, off_t len_off, off_t stream_off, struct xu_err *err);
/* Reads and checks the header of the file open on fd (named path in
 * messages); on success fd is positioned at the stream. */
int ckpt_read(int fd, const char *path, struct ckpt_info *info,
    struct xu_err *err);
void ckpt_info_dispose(struct ckpt_info *info);

#endif
