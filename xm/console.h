/* console.h: xm's console client (reference 11): relays bytes between the
 * user and a domain's console attach socket, with the terminal in raw
 * mode, until Ctrl-] detaches or the console closes. */
#ifndef XM_CONSOLE_H
#define XM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "xv.h"

/* Ctrl-]: a read from the user that returns exactly this one byte ends
 * the session (pasted text containing it does not). */
#define XM_CONSOLE_ESCAPE	0x1d

enum xm_console_end {
	XM_CONSOLE_DETACHED,	/* the user typed Ctrl-] */
	XM_CONSOLE_CLOSED,	/* the console went away (domain stopped) */
	XM_CONSOLE_INPUT_EOF,	/* standard input ended */
	XM_CONSOLE_SIGNAL,	/* SIGTERM, SIGHUP, SIGINT or SIGQUIT */
	XM_CONSOLE_ERROR,	/* why says what failed */
};

struct xm_console_result {
	enum xm_console_end end;
	int signo;		/* XM_CONSOLE_SIGNAL */
	char why[256];		/* XM_CONSOLE_ERROR */
};

/* Connects to the attach socket at path: the fd, or -1 with why filled. */
int xm_console_connect(const char *path, char *why, size_t len);

/* Relays between stdin/stdout and fd (closed on return). When stdin is a
 * terminal it is put in raw mode (cfmakeraw) and restored before this
 * returns, whatever ends the session; when it is not, termios is left
 * alone and the bytes are relayed as they come. */
void xm_console_relay(int fd, struct xm_console_result *res);

/* ---- the command side (cmd-console.c) ------------------------------ */

/* Connects to the console of dom, the full SXP xend gave for the domain
 * named label; errors (not started, Domain-0, no console) are printed
 * unless quiet. Returns the exit status, *fd set on success. */
int xm_console_open(const char *label, const struct xv *dom, bool quiet,
    int *fd);
/* Relays on fd until the session ends; returns the exit status (a
 * signal that ended it is re-raised once the terminal is restored). */
int xm_console_session(int fd);

#endif
