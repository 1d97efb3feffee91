/* bootmenu.c: the boot menu of xm create -c for a pygrub guest, as
 * pygrub showed it on the console: the entries of the guest's own menu,
 * the default highlighted, a countdown that any key stops, the arrow
 * keys to move and Enter to boot. */
#include "bootmenu.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define MENU_WIDTH_MIN	40	/* inside the frame */
#define MENU_WIDTH_MAX	200

struct menu {
	const char **titles;
	size_t n;
	size_t sel;
	long timeout;		/* seconds left; -1: none (counting stopped) */
	const char *format;
	int width;		/* inside the frame, from the terminal's */
};

static void
draw(const struct menu *m)
{
	size_t i;
	int w;

	/* home, clear; \r\n as the terminal is raw */
	printf("\033[H\033[2J");
	printf("    pyGRUB  (%s menu of the guest's disk)\r\n\r\n",
	    m->format ? m->format : "boot");
	printf(" +");
	for (w = 0; w < m->width; w++)
		putchar('-');
	printf("+\r\n");
	for (i = 0; i < m->n; i++)
		printf(" |%s %-*.*s%s|\r\n", i == m->sel ? "\033[7m" : "",
		    m->width - 1, m->width - 1, m->titles[i],
		    i == m->sel ? "\033[0m" : "");
	printf(" +");
	for (w = 0; w < m->width; w++)
		putchar('-');
	printf("+\r\n");
	printf("     Use the ^ and v keys to select which entry is highlighted.\r\n");
	printf("     Press enter to boot the selected OS, q to cancel.\r\n");
	if (m->timeout >= 0)
		printf("     Will boot selected entry in %2ld seconds\r\n", m->timeout);
	fflush(stdout);
}

/* What was read and not yet taken as keys (several may come at once). */
static unsigned char pending[64];
static size_t npending;

static int
take(size_t n, int key)
{
	memmove(pending, pending + n, npending - n);
	npending -= n;
	return key;
}

/* One key: 'u' up, 'd' down, '\r' boot, 'q' cancel, 0 other; -1 none
 * within wait_ms. */
static int
read_key(int wait_ms)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	unsigned char *c = pending;
	ssize_t n;

	if (npending == 0) {
		if (poll(&p, 1, wait_ms) <= 0)
			return -1;
		if ((n = read(STDIN_FILENO, pending, sizeof(pending))) <= 0)
			return 'q';
		npending = (size_t)n;
	}
	if (npending >= 3 && c[0] == 0x1b && (c[1] == '[' || c[1] == 'O'))
		return take(3, c[2] == 'A' ? 'u' : c[2] == 'B' ? 'd' : 0);
	switch (take(1, c[0])) {
	case '\r': case '\n':
		return '\r';
	case 'k':
		return 'u';
	case 'j':
		return 'd';
	case 'q': case 3: case 0x1d:	/* q, Ctrl-C, Ctrl-] */
		return 'q';
	}
	return 0;
}

static long
run(struct menu *m)
{
	int k;

	draw(m);
	for (;;) {
		k = read_key(m->timeout >= 0 ? 1000 : -1);
		if (k == -1) {
			if (m->timeout > 0)
				m->timeout--;
			if (m->timeout == 0)
				return (long)m->sel;
			draw(m);
			continue;
		}
		m->timeout = -1;	/* a key stops the countdown */
		if (k == '\r')
			return (long)m->sel;
		if (k == 'q')
			return -1;
		if (k == 'u' && m->sel > 0)
			m->sel--;
		else if (k == 'd' && m->sel + 1 < m->n)
			m->sel++;
		draw(m);
	}
}

/* The frame fills the terminal (80 columns when it does not say). */
static int
frame_width(void)
{
	struct winsize ws;
	int w = 80 - 4;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col - 4;
	if (w < MENU_WIDTH_MIN)
		w = MENU_WIDTH_MIN;
	return w > MENU_WIDTH_MAX ? MENU_WIDTH_MAX : w;
}

long
xm_boot_menu(const struct xv *menu)
{
	struct menu m = { 0 };
	struct termios saved, raw;
	const struct xv *e;
	long chosen, def;
	size_t i;

	if (menu == NULL || xv_name(menu) == NULL ||
	    strcmp(xv_name(menu), "menu") != 0)
		return -2;
	m.titles = calloc(xv_len(menu), sizeof(*m.titles));
	if (m.titles == NULL)
		return -2;
	for (i = 1; i < xv_len(menu); i++) {
		e = xv_at(menu, i);
		if (xv_name(e) != NULL && strcmp(xv_name(e), "entry") == 0)
			m.titles[m.n++] = xv_child_str(e, "title", "?");
	}
	def = strtol(xv_child_str(menu, "default", "0"), NULL, 10);
	m.sel = def >= 0 && (size_t)def < m.n ? (size_t)def : 0;
	m.timeout = strtol(xv_child_str(menu, "timeout", "-1"), NULL, 10);
	m.format = xv_child_str(menu, "format", NULL);
	m.width = frame_width();
	if (m.n == 0) {
		free(m.titles);
		return -2;
	}
	if (tcgetattr(STDIN_FILENO, &saved) != 0) {
		free(m.titles);
		return (long)m.sel;
	}
	raw = saved;
	cfmakeraw(&raw);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	chosen = run(&m);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	printf("\n");
	free(m.titles);
	return chosen;
}
