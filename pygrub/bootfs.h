/* bootfs.h: reading files out of a guest's disk image without mounting
 * it: its partition table (MBR or GPT, read by libblkid) and its ext2/3/4
 * file systems (read by libext2fs). Sizes are bounded and symlinks are
 * followed a bounded number of times, always inside the file system. */
#ifndef PYGRUB_BOOTFS_H
#define PYGRUB_BOOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOTFS_PARTS_MAX	128

struct bootfs_part {
	int number;		/* 1, 2 ...; 0: the whole disk */
	uint64_t offset;	/* bytes */
	uint64_t size;
	bool bootable;		/* MBR's active flag, GPT's legacy BIOS bootable */
};

/* Where file systems may be: the partitions of disk's table (active
 * ones first, extended containers left out), or one candidate at offset
 * 0 when it has no table. *table gets "dos", "gpt" or NULL. */
int bootfs_candidates(const char *disk, struct bootfs_part **parts, size_t *n,
    char *table, size_t tablelen, char *err, size_t errlen);

struct bootfs;

/* The ext2/3/4 file system at offset, read only. -1 with err when there
 * is none (or it cannot be read). */
int bootfs_open(const char *disk, uint64_t offset, struct bootfs **fs,
    char *err, size_t errlen);
void bootfs_close(struct bootfs *fs);

enum bootfs_rc {
	BOOTFS_OK = 0,
	BOOTFS_NOT_FOUND = 1,	/* no such file */
	BOOTFS_ERROR = -1,	/* a loop, not a file, too large, unreadable */
};

/* Whether path names a regular file (symlinks followed). */
bool bootfs_exists(struct bootfs *fs, const char *path);
/* The whole file at path, at most max bytes, NUL-terminated. */
enum bootfs_rc bootfs_read(struct bootfs *fs, const char *path, size_t max,
    char **data, size_t *len, char *err, size_t errlen);
/* The file at path appended to fd, at most max bytes (else an error);
 * *copied gets the bytes written. */
enum bootfs_rc bootfs_copy(struct bootfs *fs, const char *path, uint64_t max,
    int fd, uint64_t *copied, char *err, size_t errlen);

#endif
