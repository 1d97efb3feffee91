/* bootcfg.h: a guest's boot menu read from its GRUB legacy (menu.lst,
 * grub.conf), GRUB 2 (grub.cfg as Debian's update-grub writes it, with
 * grubenv's saved_entry) or extlinux configuration. Text in, entries out:
 * no file is opened here, so the parsers are fuzzed and unit-tested on
 * their own. The text is a guest's and may be hostile: sizes are bounded
 * and every error names the line. */
#ifndef PYGRUB_BOOTCFG_H
#define PYGRUB_BOOTCFG_H

#include <stdbool.h>
#include <stddef.h>

enum bootcfg_format {
	BOOTCFG_GRUB_LEGACY,	/* menu.lst, grub.conf */
	BOOTCFG_GRUB2,		/* grub.cfg */
	BOOTCFG_EXTLINUX,	/* extlinux.conf, syslinux.cfg */
};

#define BOOTCFG_TEXT_MAX	(1 << 20)	/* bytes of a config or grubenv */
#define BOOTCFG_ENTRIES_MAX	256
#define BOOTCFG_INITRDS_MAX	4		/* GRUB 2 concatenates them */
#define BOOTCFG_ARGS_MAX	4096		/* bytes of one command line */
#define BOOTCFG_DEPTH_MAX	32		/* nested blocks and ifs */
#define BOOTCFG_VARS_MAX	256		/* GRUB 2 variables */

struct bootcfg_entry {
	char *title;
	char *id;		/* GRUB 2 --id, extlinux LABEL; NULL if none */
	char *kernel;		/* as written, a (hd0,0) prefix removed; NULL */
	char *initrd[BOOTCFG_INITRDS_MAX];
	size_t ninitrd;
	char *args;		/* never NULL */
	int top;		/* GRUB 2: its place among the top-level items */
	int sub;		/* its place in its submenu; -1: top level */
	char *menu_title;	/* the submenu's title and id, or NULL */
	char *menu_id;
};

struct bootcfg {
	enum bootcfg_format format;
	struct bootcfg_entry *v;	/* in the menu's order, submenus flattened */
	size_t n;
	char *default_spec;	/* as the file (or grubenv) says, or NULL */
	size_t default_entry;	/* resolved: an index into v */
	int timeout;		/* seconds; -1: wait forever (none given: -1) */
};

void bootcfg_init(struct bootcfg *cfg);
void bootcfg_dispose(struct bootcfg *cfg);

/* Parses text (len bytes, NUL-terminated or not) in format; grubenv
 * (GRUB 2 only, may be NULL) is the environment block whose variables
 * (saved_entry, next_entry) the config reads. 0 on success with at
 * least one entry; -1 with err saying why ("line 12: ..."). */
int bootcfg_parse(enum bootcfg_format format, const char *text, size_t len,
    const char *grubenv, size_t envlen, struct bootcfg *cfg, char *err,
    size_t errlen);

/* The entry spec names (pygrub's --entry): a number counts the flattened
 * entries from 0; anything else is a title or an id. NULL or "" is the
 * default. -1 with err when none matches. */
long bootcfg_select(const struct bootcfg *cfg, const char *spec, char *err,
    size_t errlen);

/* A path from a config that may be used inside the guest's file system:
 * not empty, no NUL, no ".." component, at most 1024 bytes. */
bool bootcfg_path_ok(const char *path);

const char *bootcfg_format_name(enum bootcfg_format f);

#endif
