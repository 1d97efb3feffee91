/* bootfs.c: a guest disk's partitions (libblkid) and files (libext2fs),
 * read without mounting anything. */
#include "bootfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <blkid/blkid.h>
#include <et/com_err.h>
#include <ext2fs/ext2fs.h>

#include "xu.h"

#define GPT_ATTR_LEGACY_BOOT	(1ULL << 2)
#define BOOTFS_LINKS_MAX	8	/* libext2fs's own limit of nested links */

struct bootfs {
	ext2_filsys fs;
};

static int
fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
bootfs_candidates(const char *disk, struct bootfs_part **parts, size_t *n,
    char *table, size_t tablelen, char *err, size_t errlen)
{
	blkid_probe pr;
	blkid_partlist ls;
	blkid_parttable tab;
	struct bootfs_part *v = NULL;
	size_t k = 0, boot = 0;
	int i, np;

	*parts = NULL;
	*n = 0;
	if (tablelen > 0)
		table[0] = '\0';
	if ((pr = blkid_new_probe_from_filename(disk)) == NULL)
		return fail(err, errlen, "cannot read it: %s", strerror(errno ? errno : EIO));
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	ls = blkid_probe_get_partitions(pr);
	np = ls != NULL ? blkid_partlist_numof_partitions(ls) : 0;
	if (np > BOOTFS_PARTS_MAX)
		np = BOOTFS_PARTS_MAX;
	if (np <= 0 || (tab = blkid_partlist_get_table(ls)) == NULL) {
		/* a whole-disk file system (xvda1 mapped to a file) */
		v = xu_calloc(1, sizeof(*v));
		k = 1;
		goto out;
	}
	snprintf(table, tablelen, "%s", blkid_parttable_get_type(tab) ?: "");
	v = xu_calloc((size_t)np, sizeof(*v));
	for (i = 0; i < np; i++) {
		blkid_partition par = blkid_partlist_get_partition(ls, i);
		struct bootfs_part p = { 0 };
		unsigned long long flags;
		blkid_loff_t start, size;

		if (par == NULL || blkid_partition_is_extended(par))
			continue;
		start = blkid_partition_get_start(par);
		size = blkid_partition_get_size(par);
		if (start < 0 || size <= 0 || (uint64_t)start > UINT64_MAX / 512 / 2)
			continue;
		flags = blkid_partition_get_flags(par);
		p.number = blkid_partition_get_partno(par);
		p.offset = (uint64_t)start * 512;
		p.size = (uint64_t)size * 512;
		p.bootable = strcmp(table, "gpt") == 0 ?
		    (flags & GPT_ATTR_LEGACY_BOOT) != 0 : (flags & 0x80) != 0;
		/* active partitions are tried first, in the table's order */
		if (p.bootable) {
			memmove(&v[boot + 1], &v[boot], (k - boot) * sizeof(*v));
			v[boot++] = p;
		} else {
			v[k] = p;
		}
		k++;
	}
out:
	blkid_free_probe(pr);
	*parts = v;
	*n = k;
	return 0;
}

int
bootfs_open(const char *disk, uint64_t offset, struct bootfs **out, char *err,
    size_t errlen)
{
	char opts[64];
	ext2_filsys fs = NULL;
	errcode_t e;

	*out = NULL;
	initialize_ext2_error_table();
	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)offset);
	/* read only: no journal replay, nothing written */
	e = ext2fs_open2(disk, opts, EXT2_FLAG_64BITS | EXT2_FLAG_IGNORE_CSUM_ERRORS,
	    0, 0, unix_io_manager, &fs);
	if (e != 0)
		return fail(err, errlen, "no ext2/3/4 file system (%s)", error_message(e));
	*out = xu_calloc(1, sizeof(**out));
	(*out)->fs = fs;
	return 0;
}

void
bootfs_close(struct bootfs *fs)
{
	if (fs == NULL)
		return;
	ext2fs_close_free(&fs->fs);
	free(fs);
}

/* path's inode, symlinks followed (libext2fs stops a loop after 8
 * links); a regular file of at most max bytes. */
static enum bootfs_rc
lookup(struct bootfs *fs, const char *path, uint64_t max, ext2_ino_t *ino,
    struct ext2_inode *inode, char *err, size_t errlen)
{
	errcode_t e;
	uint64_t size;

	e = ext2fs_namei_follow(fs->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino);
	if (e == EXT2_ET_FILE_NOT_FOUND || e == EXT2_ET_NO_DIRECTORY) {
		fail(err, errlen, "%s: no such file", path);
		return BOOTFS_NOT_FOUND;
	}
	if (e == EXT2_ET_SYMLINK_LOOP) {
		fail(err, errlen, "%s: a symlink loop (or more than %d links)", path,
		    BOOTFS_LINKS_MAX);
		return BOOTFS_ERROR;
	}
	if (e == 0 && (*ino < EXT2_ROOT_INO || *ino > fs->fs->super->s_inodes_count))
		e = EXT2_ET_BAD_INODE_NUM;
	if (e == 0)
		e = ext2fs_read_inode(fs->fs, *ino, inode);
	if (e != 0) {
		fail(err, errlen, "%s: cannot be read (%s)", path, error_message(e));
		return BOOTFS_ERROR;
	}
	if (!LINUX_S_ISREG(inode->i_mode)) {
		fail(err, errlen, "%s: not a regular file", path);
		return BOOTFS_ERROR;
	}
	size = EXT2_I_SIZE(inode);
	if (size > max) {
		fail(err, errlen, "%s: %llu bytes, more than the %llu allowed", path,
		    (unsigned long long)size, (unsigned long long)max);
		return BOOTFS_ERROR;
	}
	return BOOTFS_OK;
}

bool
bootfs_exists(struct bootfs *fs, const char *path)
{
	struct ext2_inode inode;
	ext2_ino_t ino;
	char err[256];

	return lookup(fs, path, UINT64_MAX, &ino, &inode, err, sizeof(err)) ==
	    BOOTFS_OK;
}

/* Calls put for each chunk of the file, at most max bytes in all. */
static enum bootfs_rc
each_chunk(struct bootfs *fs, const char *path, uint64_t max,
    int (*put)(void *arg, const char *buf, size_t len), void *arg,
    uint64_t *total, char *err, size_t errlen)
{
	struct ext2_inode inode;
	ext2_file_t f = NULL;
	ext2_ino_t ino;
	enum bootfs_rc rc;
	unsigned int got;
	char *buf;
	errcode_t e;

	*total = 0;
	if ((rc = lookup(fs, path, max, &ino, &inode, err, errlen)) != BOOTFS_OK)
		return rc;
	if ((e = ext2fs_file_open(fs->fs, ino, 0, &f)) != 0) {
		fail(err, errlen, "%s: cannot be opened (%s)", path, error_message(e));
		return BOOTFS_ERROR;
	}
	buf = xu_malloc(1 << 16);
	rc = BOOTFS_OK;
	for (;;) {
		if ((e = ext2fs_file_read(f, buf, 1 << 16, &got)) != 0) {
			fail(err, errlen, "%s: cannot be read (%s)", path, error_message(e));
			rc = BOOTFS_ERROR;
			break;
		}
		if (got == 0)
			break;
		/* the inode's size was checked; its blocks may say otherwise */
		if (*total + got > max) {
			fail(err, errlen, "%s: more than the %llu bytes allowed", path,
			    (unsigned long long)max);
			rc = BOOTFS_ERROR;
			break;
		}
		if (put(arg, buf, got) != 0) {
			fail(err, errlen, "%s: cannot be copied out: %s", path,
			    strerror(errno));
			rc = BOOTFS_ERROR;
			break;
		}
		*total += got;
	}
	free(buf);
	ext2fs_file_close(f);
	return rc;
}

static int
put_buf(void *arg, const char *buf, size_t len)
{
	xu_buf_add(arg, buf, len);
	return 0;
}

enum bootfs_rc
bootfs_read(struct bootfs *fs, const char *path, size_t max, char **data,
    size_t *len, char *err, size_t errlen)
{
	struct xu_buf b;
	enum bootfs_rc rc;
	uint64_t total;

	*data = NULL;
	*len = 0;
	xu_buf_init(&b);
	rc = each_chunk(fs, path, max, put_buf, &b, &total, err, errlen);
	if (rc != BOOTFS_OK) {
		xu_buf_dispose(&b);
		return rc;
	}
	xu_buf_addc(&b, '\0');
	*len = b.len - 1;
	*data = xu_buf_steal(&b);
	return BOOTFS_OK;
}

static int
put_fd(void *arg, const char *buf, size_t len)
{
	int fd = *(int *)arg;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

enum bootfs_rc
bootfs_copy(struct bootfs *fs, const char *path, uint64_t max, int fd,
    uint64_t *copied, char *err, size_t errlen)
{
	return each_chunk(fs, path, max, put_fd, &fd, copied, err, errlen);
}
