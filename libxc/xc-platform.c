/* xc-platform.c: the checks that keep every value of an HVM guest's
 * platform fit to be put in QEMU's options, made by xend when it reads a
 * config, by libxc before it starts a monitor, and by xenhv. No JSON
 * here, so the config reader's tests and fuzz target link it alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenctrl.h"
#include "xenhv-proto.h"
#include "xu.h"

/* soundhw names (classic, as QEMU's -soundhw had them) and the device
 * each becomes; "all" means the PCI ones. */
static const struct {
	const char *name, *device;
} sound_cards[] = {
	{ "ac97", "AC97" },
	{ "es1370", "ES1370" },
	{ "hda", "intel-hda" },
	{ "sb16", "sb16" },
};
#define NSOUND	(sizeof(sound_cards) / sizeof(sound_cards[0]))

const char *
xhp_sound_device(const char *name)
{
	size_t i;

	for (i = 0; i < NSOUND; i++)
		if (strcmp(sound_cards[i].name, name) == 0)
			return sound_cards[i].device;
	return NULL;
}

static bool
fail(char *why, size_t whylen, const char *fmt, const char *val)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, fmt, val != NULL ? val : "");
	return false;
}

/* Only the characters of set, 1 to max of them. */
static bool
word_of(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define DIGITS	"0123456789"

static bool
check_sound(const char *list, char *why, size_t whylen)
{
	char *copy = xu_strdup(list), *save = NULL, *w;
	bool ok = true;

	for (w = strtok_r(copy, ",", &save); w != NULL && ok;
	    w = strtok_r(NULL, ",", &save))
		if (strcmp(w, "all") != 0 && xhp_sound_device(w) == NULL)
			ok = fail(why, whylen, "soundhw: unknown sound card '%.40s' "
			    "(ac97, es1370, hda, sb16 or all)", w);
	free(copy);
	return ok;
}

/* A serial or parallel port's target, as classic qemu-dm took it; the
 * words QEMU would treat as something else (vc, stdio, mon:, pipe:,
 * exec:, chardev:) are not among them. */
static bool
check_port(const char *key, const char *s, bool serial, char *why, size_t whylen)
{
	static const char *const nets[] = { "tcp:", "telnet:", "udp:", NULL };
	const char *rest = NULL, *opt;
	size_t i;
	bool ok = false;

	if ((serial && strcmp(s, "pty") == 0) || strcmp(s, "null") == 0 ||
	    strcmp(s, "none") == 0)
		return true;
	if (strncmp(s, "file:/", 6) == 0)
		ok = strchr(s, ',') == NULL && strlen(s) < 4096;
	else if (strncmp(s, "/dev/", 5) == 0)
		ok = word_of(s + 5, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS "_", 32);
	else if (strncmp(s, "unix:/", 6) == 0)
		rest = s + 5;
	else
		for (i = 0; nets[i] != NULL; i++)
			if (strncmp(s, nets[i], strlen(nets[i])) == 0)
				rest = s + strlen(nets[i]);
	if (rest != NULL) {
		/* the address, then only the options classic files used */
		opt = strchr(rest, ',');
		ok = opt != rest && strspn(rest, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    DIGITS ".:-_/[]@") == (size_t)(opt ? opt - rest : (long)strlen(rest));
		while (ok && opt != NULL) {
			const char *next = strchr(opt + 1, ',');
			size_t n = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

			ok = (n == 6 && strncmp(opt + 1, "server", 6) == 0) ||
			    (n == 6 && strncmp(opt + 1, "nowait", 6) == 0) ||
			    (n == 7 && strncmp(opt + 1, "nodelay", 7) == 0);
			opt = next;
		}
	}
	if (!ok && why != NULL)
		snprintf(why, whylen, "%s: '%.60s' is not supported (%snull, none, "
		    "file:PATH, tcp:HOST:PORT[,server][,nowait], telnet:, udp:, "
		    "unix:PATH[,server][,nowait], or a /dev/ device)", key, s,
		    serial ? "pty, " : "");
	return ok;
}

static bool
check_floppy(const char *key, const char *path, char *why, size_t whylen)
{
	if (path[0] == '/' && strchr(path, ',') == NULL)
		return true;
	if (why != NULL)
		snprintf(why, whylen, "%s: the floppy image '%.100s' must be an "
		    "absolute path, without commas", key, path);
	return false;
}

bool
xhp_platform_check(const struct xc_platform *p, char *why, size_t whylen)
{
	if (p->boot != NULL && !word_of(p->boot, "acdn", 4))
		return fail(why, whylen, "boot: '%.20s' is not a boot order "
		    "(letters a: floppy, c: disk, d: CD-ROM, n: network)", p->boot);
	if (p->usbdevice != NULL && strcmp(p->usbdevice, "tablet") != 0 &&
	    strcmp(p->usbdevice, "mouse") != 0 &&
	    (strncmp(p->usbdevice, "disk:/", 6) != 0 ||
	    strchr(p->usbdevice, ',') != NULL))
		return fail(why, whylen, "usbdevice: '%.100s' is not supported "
		    "(tablet, mouse, or disk:PATH with an absolute path without "
		    "commas)", p->usbdevice);
	if (p->soundhw != NULL && *p->soundhw != '\0' &&
	    !check_sound(p->soundhw, why, whylen))
		return false;
	if (p->keymap != NULL && !word_of(p->keymap, LOWER "-", 16))
		return fail(why, whylen, "keymap: '%.20s' is not a keymap name "
		    "(such as en-us or de)", p->keymap);
	if (p->vnc_listen != NULL &&
	    !word_of(p->vnc_listen, DIGITS LOWER "ABCDEF.:", 45))
		return fail(why, whylen, "vnclisten: '%.50s' is not an IP "
		    "address", p->vnc_listen);
	if (p->vnc_listen != NULL && (p->vnc_port < 5900 || p->vnc_port > 65535)) {
		snprintf(why, whylen, "vnc: port %u is outside 5900 to 65535",
		    p->vnc_port);
		return false;
	}
	if (p->firmware_code != NULL && (p->firmware_code[0] != '/' ||
	    strchr(p->firmware_code, ',') != NULL))
		return fail(why, whylen, "bios: the firmware path '%.100s' must be "
		    "absolute, without commas", p->firmware_code);
	if (p->nvram != NULL && (p->nvram[0] != '/' ||
	    strchr(p->nvram, ',') != NULL))
		return fail(why, whylen, "bios: the NVRAM path '%.100s' must be "
		    "absolute, without commas", p->nvram);
	if ((p->firmware_code == NULL) != (p->nvram == NULL))
		return fail(why, whylen, "bios: OVMF needs its code and an "
		    "NVRAM file%s", "");
	if (p->videoram_mb > 256)
		return fail(why, whylen, "videoram: at most 256 MiB%s", "");
	if (p->serial != NULL && !check_port("serial", p->serial, true, why, whylen))
		return false;
	if (p->parallel != NULL &&
	    !check_port("parallel", p->parallel, false, why, whylen))
		return false;
	if (p->vnc_tls_dir != NULL && (p->vnc_tls_dir[0] != '/' ||
	    strchr(p->vnc_tls_dir, ',') != NULL))
		return fail(why, whylen, "vnc-x509-cert-dir: '%.100s' must be an "
		    "absolute path, without commas", p->vnc_tls_dir);
	if (p->fda != NULL && !check_floppy("fda", p->fda, why, whylen))
		return false;
	if (p->fdb != NULL && !check_floppy("fdb", p->fdb, why, whylen))
		return false;
	return true;
}

