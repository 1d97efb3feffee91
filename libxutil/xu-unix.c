/* xu-unix.c: a private UNIX-socket listener for the daemons' servers
 * (xend's XML-RPC and xenstore sockets): its directory made mode 0700,
 * a stale socket replaced, a live one left alone, mode 0600 from bind;
 * and who holds a daemon's pid file. */
#include "xu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int
make_dir(const char *dir, struct xu_err *err)
{
	char *p = xu_strdup(dir), *s;
	int rc = XU_OK;

	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			xu_err_set(err, XU_ERR_IO, 0, "cannot create %s: %s", p,
			    strerror(errno));
			rc = XU_ERR_IO;
			goto out;
		}
		*s = '/';
	}
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || chmod(dir, 0700) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot create %s: %s", dir,
		    strerror(errno));
		rc = XU_ERR_IO;
	}
out:
	free(p);
	return rc;
}

/* Removes a socket left by an xend that died; refuses to touch a socket
 * someone still answers on, or a file that is not a socket. */
static int
clear_stale(const struct sockaddr_un *sun, struct xu_err *err)
{
	struct stat st;
	int fd, r;

	if (lstat(sun->sun_path, &st) != 0)
		return XU_OK;
	if (!S_ISSOCK(st.st_mode)) {
		xu_err_set(err, XU_ERR_IO, 0, "%s exists and is not a socket",
		    sun->sun_path);
		return XU_ERR_IO;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return XU_OK;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0) {
		xu_err_set(err, XU_ERR_IO, 0,
		    "another server is listening on %s", sun->sun_path);
		return XU_ERR_IO;
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot remove stale %s: %s",
		    sun->sun_path, strerror(errno));
		return XU_ERR_IO;
	}
	return XU_OK;
}

int
xu_unix_listen(const char *path, int backlog, struct xu_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char *dir = xu_strdup(path), *slash;
	mode_t old;
	bool bound = false;
	int fd = -1, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		xu_err_set(err, XU_ERR_TOO_BIG, 0, "socket path too long: %s", path);
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (make_dir(dir, err) != XU_OK)
			goto fail;
	}
	if (clear_stale(&sun, err) != XU_OK)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "socket: %s", strerror(errno));
		goto fail;
	}
	/* no window in which the socket is reachable by others */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	bound = rc == 0;
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, backlog) != 0) {
		xu_err_set(err, XU_ERR_IO, 0, "cannot listen on %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	free(dir);
	return fd;
fail:
	if (fd >= 0) {
		close(fd);
		if (bound)
			unlink(path);
	}
	free(dir);
	return -1;
}

pid_t
xu_pidfile_holder(const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	ssize_t r;
	int fd;
	pid_t pid = 0;
	int64_t v;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		pid = fl.l_pid;
		if (pid <= 0 && (r = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[r] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (xu_parse_int64(buf, &v) == XU_OK && v > 0)
				pid = (pid_t)v;
		}
	}
	close(fd);
	return pid;
}
