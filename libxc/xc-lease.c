/* xc-lease.c: the domain lock's files on shared storage (xc-lease.h):
 * sanlock areas made once and linked into place, and the hosts' names. */
#include "xc-lease.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef HAVE_SANLOCK
#include <stdint.h>
#include <sanlock.h>
#include <sanlock_admin.h>
#endif

#include "xu.h"

/* One sanlock area: 2000 sectors of 512 bytes (ALIGN1M, SECTOR512). */
#define AREA_SIZE	(1024 * 1024)

bool
xc_lease_supported(void)
{
#ifdef HAVE_SANLOCK
	return true;
#else
	return false;
#endif
}

char *
xc_lease_lockspace_path(const char *dir)
{
	return xu_asprintf("%s/xend-lockspace", dir);
}

char *
xc_lease_path(const char *dir, const char *uuid)
{
	return xu_asprintf("%s/%s.lease", dir, uuid);
}

char *
xc_lease_host_path(const char *dir, unsigned host_id)
{
	return xu_asprintf("%s/host-%u", dir, host_id);
}

#ifdef HAVE_SANLOCK
/* The daemon drops root for its own user (Debian's runs as sanlock):
 * the file is given the group of its socket, read and write. */
static int
share_with_daemon(int fd)
{
	const char *run = getenv("SANLOCK_RUN_DIR");
	char *sock = xu_asprintf("%s/sanlock.sock", run && *run ? run : "/run/sanlock");
	struct stat st;
	int r = 0;

	if (stat(sock, &st) == 0)
		r = fchown(fd, (uid_t)-1, st.st_gid);
	free(sock);
	return r < 0 ? -1 : fchmod(fd, 0660);
}

/* Formats tmp (an empty file of AREA_SIZE) through the daemon, which does
 * the direct I/O sanlock's areas need. */
static int
format_area(const char *tmp, const char *resource, char *err, size_t errlen)
{
	int rv;

	if (resource == NULL) {
		struct sanlk_lockspace ls;

		memset(&ls, 0, sizeof(ls));
		snprintf(ls.name, sizeof(ls.name), "%s", XC_LEASE_LOCKSPACE);
		ls.flags = SANLK_LSF_ALIGN1M | SANLK_LSF_SECTOR512;
		snprintf(ls.host_id_disk.path, sizeof(ls.host_id_disk.path), "%s", tmp);
		rv = sanlock_write_lockspace(&ls, XC_LEASE_MAX_HOSTS, 0, 0);
	} else {
		struct sanlk_resource *res = xu_calloc(1, sizeof(*res) +
		    sizeof(struct sanlk_disk));

		snprintf(res->lockspace_name, sizeof(res->lockspace_name), "%s",
		    XC_LEASE_LOCKSPACE);
		snprintf(res->name, sizeof(res->name), "%s", resource);
		res->flags = SANLK_RES_ALIGN1M | SANLK_RES_SECTOR512;
		res->num_disks = 1;
		snprintf(res->disks[0].path, sizeof(res->disks[0].path), "%s", tmp);
		rv = sanlock_write_resource(res, 0, 0, 0);
		free(res);
	}
	if (rv < 0) {
		snprintf(err, errlen, "sanlock cannot format %s: %s (%d)%s", tmp,
		    rv > -200 ? strerror(-rv) : "sanlock error", rv,
		    rv == -ECONNREFUSED || rv == -ENOENT ?
		    "; is the sanlock daemon running?" : "");
		return -1;
	}
	return 0;
}
#endif

int
xc_lease_file_make(const char *path, const char *resource, char *err,
    size_t errlen)
{
#ifdef HAVE_SANLOCK
	struct utsname u;
	char *tmp;
	int fd, rc = -1;

	if (access(path, F_OK) == 0)
		return 0;
	uname(&u);
	tmp = xu_asprintf("%s.new-%s-%d", path, u.nodename, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	if (fd < 0 || ftruncate(fd, AREA_SIZE) < 0 || share_with_daemon(fd) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (format_area(tmp, resource, err, errlen) < 0)
		goto out;
	/* link(2) fails when path exists: whoever linked first made it, and
	 * nobody writes over an area another host may hold */
	if (link(tmp, path) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot link %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
#else
	snprintf(err, errlen, "this build has no sanlock support");
	return -1;
#endif
}

int
xc_lease_host_name_write(const char *dir, unsigned host_id, char *err,
    size_t errlen)
{
	char *path = xc_lease_host_path(dir, host_id), *tmp, *text;
	struct utsname u;
	int fd, rc = -1;
	ssize_t w;

	uname(&u);
	tmp = xu_asprintf("%s.new-%d", path, (int)getpid());
	text = xu_asprintf("%s\n", u.nodename);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	w = fd < 0 ? -1 : write(fd, text, strlen(text));
	if (w != (ssize_t)strlen(text) || fsync(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	free(text);
	free(tmp);
	free(path);
	return rc;
}

char *
xc_lease_host_name(const char *dir, unsigned host_id)
{
	char *path = xc_lease_host_path(dir, host_id), *data = NULL;
	size_t len = 0;

	if (xu_read_file(path, 256, &data, &len) != XU_OK || len == 0) {
		free(path);
		free(data);
		return NULL;
	}
	free(path);
	data[strcspn(data, "\n")] = '\0';
	return data;
}
