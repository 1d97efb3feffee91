/* cgroup.c: a domain's CPU weight and cap on cgroups v1 or v2. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xu.h"

static bool
exists(const char *dir, const char *leaf)
{
	char *p = xu_asprintf("%s/%s", dir, leaf);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

/* True when file (a controller list) names word. */
static bool
lists(const char *dir, const char *leaf, const char *word)
{
	char *p = xu_asprintf("%s/%s", dir, leaf), *text = NULL, *tok, *save;
	size_t len;
	bool found = false;

	if (xu_read_file(p, 65536, &text, &len) == XU_OK) {
		for (tok = strtok_r(text, " \n", &save); tok && !found;
		    tok = strtok_r(NULL, " \n", &save))
			found = strcmp(tok, word) == 0;
	}
	free(text);
	free(p);
	return found;
}

enum cg_version
cg_detect(const char *mount_root, char **cpu_root)
{
	static const char *const v1_names[] = { "cpu", "cpu,cpuacct", "cpuacct,cpu" };
	size_t i;

	*cpu_root = NULL;
	if (lists(mount_root, "cgroup.controllers", "cpu")) {
		*cpu_root = xu_strdup(mount_root);
		return CG_V2;
	}
	for (i = 0; i < sizeof(v1_names) / sizeof(v1_names[0]); i++) {
		char *dir = xu_asprintf("%s/%s", mount_root, v1_names[i]);

		if (exists(dir, "cpu.shares")) {
			*cpu_root = dir;
			return CG_V1;
		}
		free(dir);
	}
	return CG_NONE;
}

const char *
cg_version_name(enum cg_version v)
{
	return v == CG_V1 ? "v1" : v == CG_V2 ? "v2" : "none";
}

static int
put(const char *dir, const char *leaf, const char *value, char *err, size_t errlen)
{
	char *p = xu_asprintf("%s/%s", dir, leaf);
	size_t len = strlen(value);
	ssize_t r;
	int fd, rc = 0;

	/* O_CREAT | O_TRUNC: no-ops on cgroupfs, where the files exist */
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (r = write(fd, value, len)) < 0 || (size_t)r != len) {
		snprintf(err, errlen, "cannot write '%s' to %s: %s", value, p,
		    strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

static int
make_dir(const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

unsigned long
cg_v1_shares(unsigned weight)
{
	/* credit's default 256 is a plain task's 1024 */
	if (weight < 1)
		weight = 1;
	return (unsigned long)weight * 4;
}

unsigned
cg_v2_weight(unsigned weight)
{
	/* credit's 256 is v2's default 100; v2 stops at 10000 */
	unsigned long w = ((unsigned long)weight * 100 + 128) / 256;

	return w < 1 ? 1 : w > 10000 ? 10000 : (unsigned)w;
}

long
cg_quota_us(unsigned cap)
{
	return cap == 0 ? -1 : (long)cap * CG_PERIOD_US / 100;
}

int
cg_create(struct cgroup *cg, const char *mount_root, const char *name,
    pid_t pid, char *err, size_t errlen)
{
	char *root = NULL, num[32];
	int rc = -1;

	memset(cg, 0, sizeof(*cg));
	cg->version = cg_detect(mount_root, &root);
	switch (cg->version) {
	case CG_NONE:
		snprintf(err, errlen, "no cgroup cpu controller under %s", mount_root);
		goto out;
	case CG_V1:
		cg->dir = xu_asprintf("%s/%s", root, name);
		if (make_dir(cg->dir, err, errlen) < 0)
			goto out;
		break;
	case CG_V2:
		/* the controller must reach our group from the root */
		if (!lists(root, "cgroup.subtree_control", "cpu") &&
		    put(root, "cgroup.subtree_control", "+cpu", err, errlen) < 0)
			goto out;
		cg->top = xu_asprintf("%s/%s", root, name);
		cg->dir = xu_asprintf("%s/vcpus", cg->top);
		snprintf(num, sizeof(num), "%d", (int)pid);
		if (make_dir(cg->top, err, errlen) < 0 ||
		    put(cg->top, "cgroup.procs", num, err, errlen) < 0 ||
		    make_dir(cg->dir, err, errlen) < 0 ||
		    put(cg->dir, "cgroup.type", "threaded", err, errlen) < 0 ||
		    put(cg->top, "cgroup.subtree_control", "+cpu", err, errlen) < 0)
			goto out;
		break;
	}
	rc = 0;
out:
	free(root);
	if (rc < 0 && cg->version != CG_NONE) {
		cg_remove(cg);
	} else if (rc < 0) {
		free(cg->dir);
		cg->dir = NULL;
	}
	return rc;
}

int
cg_add_thread(struct cgroup *cg, pid_t tid, char *err, size_t errlen)
{
	char num[32];

	if (cg->dir == NULL || tid <= 0) {
		snprintf(err, errlen, tid <= 0 ? "thread id %d is not a thread" :
		    "the domain has no cgroup", (int)tid);
		return -1;
	}
	snprintf(num, sizeof(num), "%d", (int)tid);
	return put(cg->dir, cg->version == CG_V2 ? "cgroup.threads" : "tasks", num,
	    err, errlen);
}

int
cg_set_weight(struct cgroup *cg, unsigned weight, char *err, size_t errlen)
{
	char num[32];

	if (cg->dir == NULL) {
		snprintf(err, errlen, "no cgroup cpu controller: weights cannot be set");
		return -1;
	}
	if (cg->version == CG_V2) {
		snprintf(num, sizeof(num), "%u", cg_v2_weight(weight));
		return put(cg->dir, "cpu.weight", num, err, errlen);
	}
	snprintf(num, sizeof(num), "%lu", cg_v1_shares(weight));
	return put(cg->dir, "cpu.shares", num, err, errlen);
}

int
cg_set_cap(struct cgroup *cg, unsigned cap, char *err, size_t errlen)
{
	long quota = cg_quota_us(cap);
	char val[64];

	if (cg->dir == NULL) {
		snprintf(err, errlen, "no cgroup cpu controller: caps cannot be set");
		return -1;
	}
	if (cg->version == CG_V2) {
		if (quota < 0)
			snprintf(val, sizeof(val), "max %d", CG_PERIOD_US);
		else
			snprintf(val, sizeof(val), "%ld %d", quota, CG_PERIOD_US);
		return put(cg->dir, "cpu.max", val, err, errlen);
	}
	snprintf(val, sizeof(val), "%d", CG_PERIOD_US);
	if (put(cg->dir, "cpu.cfs_period_us", val, err, errlen) < 0)
		return -1;
	snprintf(val, sizeof(val), "%ld", quota);
	return put(cg->dir, "cpu.cfs_quota_us", val, err, errlen);
}

void
cg_remove(struct cgroup *cg)
{
	if (cg->dir != NULL)
		rmdir(cg->dir);
	if (cg->top != NULL)
		rmdir(cg->top);
	free(cg->dir);
	free(cg->top);
	cg->dir = cg->top = NULL;
	cg->version = CG_NONE;
}

void
cg_reap_stale(const char *mount_root, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *root = NULL, *end, *dir;
	struct dirent *de;
	long pid;
	DIR *d;

	if (cg_detect(mount_root, &root) == CG_NONE || (d = opendir(root)) == NULL) {
		free(root);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		dir = xu_asprintf("%s/%s/vcpus", root, de->d_name);
		rmdir(dir);
		free(dir);
		dir = xu_asprintf("%s/%s", root, de->d_name);
		rmdir(dir);
		free(dir);
	}
	closedir(d);
	free(root);
}
