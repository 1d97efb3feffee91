/* cmd-vnc.c: `xm vncviewer <Domain>` and `xm create --vncviewer`: find
 * where the domain's VNC display is (the location of its (device (vfb
 * ...)) in the full domain SXP) and run a VNC viewer on it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dominfo.h"
#include "xm.h"
#include "xu.h"

/* The location ("HOST:PORT") of the first (device (vfb ...)). */
static const char *
vfb_location(const struct xv *dom)
{
	return xv_child_str(xm_domain_device(dom, "vfb"), "location", NULL);
}

/* A viewer on PATH: $VNCVIEWER, else vncviewer (TigerVNC, TightVNC and
 * others install it under that name). */
static char *
find_viewer(void)
{
	const char *want = getenv("VNCVIEWER"), *path = getenv("PATH");
	char *dirs, *dir, *save = NULL, *full = NULL;
	struct stat st;

	if (want == NULL || *want == '\0')
		want = "vncviewer";
	if (strchr(want, '/') != NULL)
		return access(want, X_OK) == 0 ? xu_strdup(want) : NULL;
	dirs = xu_strdup(path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && full == NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		char *p = xu_asprintf("%s/%s", dir, want);

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			full = p;
		else
			free(p);
	}
	free(dirs);
	return full;
}

/* Where the display of dom is, or an error saying why there is none. */
static int
display_of(const char *dom, char **where)
{
	struct xv *full = NULL;
	const char *loc;
	int rc;

	*where = NULL;
	if ((rc = xm_get_domain(dom, true, &full)) != XM_EXIT_OK)
		return rc;
	if ((loc = vfb_location(full)) == NULL) {
		xm_error("domain '%s' has no VNC display (vnc = 1 in its config "
		    "gives it one)", dom);
		xv_free(full);
		return XM_EXIT_ERROR;
	}
	*where = xu_strdup(loc);
	xv_free(full);
	return XM_EXIT_OK;
}

/* host:port as viewers take a TCP port: host::port. */
static char *
viewer_target(const char *loc)
{
	const char *colon = strrchr(loc, ':');

	return xu_asprintf("%.*s::%s", (int)(colon - loc), loc, colon + 1);
}

/* The display's password from xend ("" when it has none). */
static int
password_of(const char *dom, char **pw)
{
	struct xv *res = NULL;
	int rc;

	*pw = NULL;
	rc = xm_dom_call("xend.domain.vncPassword", dom, xv_list(), &res);
	if (rc == XM_EXIT_OK)
		*pw = xu_strdup(xv_string(res) ? xv_string(res) : "");
	xv_free(res);
	return rc;
}

/* Whether the viewer is TigerVNC's (vncviewer is often a link to it). */
static bool
tigervnc(const char *viewer)
{
	char real[PATH_MAX];

	return realpath(viewer, real) != NULL && strstr(real, "tigervnc") != NULL;
}

/* The viewer's standard input: a pipe holding the password and a newline
 * (what -autopass reads), or -1 on failure. */
static int
password_pipe(const char *pw)
{
	int p[2];
	size_t n = strlen(pw);

	if (pipe(p) != 0)
		return -1;
	if (write(p[1], pw, n) != (ssize_t)n || write(p[1], "\n", 1) != 1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

/* Runs the viewer on dom's display; in the background (a child left to
 * run) when detach, else in this process. autopass: the password goes to
 * the viewer's standard input (-autopass, as classic xm did with
 * TightVNC's viewer), or to TigerVNC's VNC_PASSWORD; never on a command
 * line. */
int
xm_vncviewer(const char *dom, bool detach, bool autopass)
{
	char *loc = NULL, *viewer = NULL, *target, *pw = NULL;
	int rc, in = -1;
	pid_t pid;

	if ((rc = display_of(dom, &loc)) != XM_EXIT_OK)
		return rc;
	if (autopass && (rc = password_of(dom, &pw)) != XM_EXIT_OK) {
		free(loc);
		return rc;
	}
	if (getenv("DISPLAY") == NULL || *getenv("DISPLAY") == '\0') {
		xm_error("no X display here (DISPLAY is not set) for a VNC "
		    "viewer: connect one to %s", loc);
		free(loc);
		return XM_EXIT_ERROR;
	}
	if ((viewer = find_viewer()) == NULL) {
		xm_error("no VNC viewer is installed (apt-get install "
		    "tigervnc-viewer, or set VNCVIEWER): connect one to %s", loc);
		free(loc);
		return XM_EXIT_ERROR;
	}
	target = viewer_target(loc);
	free(loc);
	if (pw != NULL && *pw != '\0' && tigervnc(viewer)) {
		/* TigerVNC has no -autopass; it reads VNC_PASSWORD, which only
		 * its own user (and root) can see in /proc */
		if (setenv("VNC_PASSWORD", pw, 1) != 0)
			rc = XM_EXIT_ERROR;
	} else if (pw != NULL && *pw != '\0' && (in = password_pipe(pw)) < 0)
		rc = XM_EXIT_ERROR;
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (rc != XM_EXIT_OK) {
		xm_error("cannot pass the password to %s: %s", viewer, strerror(errno));
		free(viewer);
		free(target);
		return rc;
	}
	if (detach && (pid = fork()) != 0) {
		if (pid < 0)
			xm_error("cannot start %s: %s", viewer, strerror(errno));
		if (in >= 0)
			close(in);
		free(viewer);
		free(target);
		return pid < 0 ? XM_EXIT_ERROR : XM_EXIT_OK;
	}
	if (detach)
		setsid();
	if (in >= 0) {
		dup2(in, STDIN_FILENO);
		close(in);
		execl(viewer, viewer, "-autopass", target, (char *)NULL);
	} else
		execl(viewer, viewer, target, (char *)NULL);
	xm_error("cannot run %s: %s", viewer, strerror(errno));
	if (detach)
		_exit(127);
	free(viewer);
	free(target);
	return XM_EXIT_ERROR;
}

int
xm_cmd_vncviewer(struct xm_ctx *ctx, struct xm_args *args)
{
	(void)ctx;
	return xm_vncviewer(args->argv[0], false,
	    xm_args_has(args, XM_OPT_LONG_ONLY + 1) ||
	    xm_args_has(args, XM_OPT_LONG_ONLY + 2));
}
