/* cmd-vnc.c: `xm vncviewer <Domain>` and `xm create --vncviewer`: find
 * where the domain's VNC display is (the location of its (device (vfb
 * ...)) in the full domain SXP) and run a VNC viewer on it. */
#include <errno.h>
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

/* Runs the viewer on dom's display; in the background (a child left to
 * run) when detach, else in this process. */
int
xm_vncviewer(const char *dom, bool detach)
{
	char *loc = NULL, *viewer = NULL, *target;
	int rc;
	pid_t pid;

	if ((rc = display_of(dom, &loc)) != XM_EXIT_OK)
		return rc;
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
	if (detach && (pid = fork()) != 0) {
		if (pid < 0)
			xm_error("cannot start %s: %s", viewer, strerror(errno));
		free(viewer);
		free(target);
		return pid < 0 ? XM_EXIT_ERROR : XM_EXIT_OK;
	}
	if (detach)
		setsid();
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
	return xm_vncviewer(args->argv[0], false);
}
