/* cgroup.h: a domain's CPU controls on Linux cgroups, credit-scheduler
 * style: weight (1-65535, default 256) and cap (percent of one CPU, 0 for
 * none) on a group holding the domain's vCPU threads. v1 (cpu.shares,
 * cpu.cfs_quota_us) and v2 (cpu.weight, cpu.max) are detected under a
 * mount root given by the caller, so tests run against a fake tree. */
#ifndef XHV_CGROUP_H
#define XHV_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum cg_version {
	CG_NONE,		/* no cpu controller to use */
	CG_V1,			/* <root>/cpu (or cpu,cpuacct) */
	CG_V2,			/* <root> itself is the unified hierarchy */
};

#define CG_WEIGHT_DEFAULT	256
#define CG_WEIGHT_MAX		65535
#define CG_PERIOD_US		100000

struct cgroup {
	enum cg_version version;
	char *top;		/* v2: the domain's group, holding QEMU */
	char *dir;		/* the group holding the vCPU threads */
};

/* Which hierarchy has the cpu controller under mount_root (normally
 * /sys/fs/cgroup); *cpu_root gets its directory (malloc'd) unless CG_NONE. */
enum cg_version cg_detect(const char *mount_root, char **cpu_root);
const char *cg_version_name(enum cg_version v);

/* Makes the domain's group named name (unique on the host: the caller
 * puts its pid in it). v2: QEMU's process (pid) moves into <name> and
 * its vCPU threads will go to the threaded child <name>/vcpus; v1: the
 * vCPU threads go to <cpu root>/<name>. Returns 0, or -1 with err. */
int cg_create(struct cgroup *cg, const char *mount_root, const char *name,
    pid_t pid, char *err, size_t errlen);
/* Puts one vCPU thread in the group. */
int cg_add_thread(struct cgroup *cg, pid_t tid, char *err, size_t errlen);
int cg_set_weight(struct cgroup *cg, unsigned weight, char *err, size_t errlen);
int cg_set_cap(struct cgroup *cg, unsigned cap, char *err, size_t errlen);
/* Removes the group (its threads must be gone) and frees the paths. Safe
 * to call twice and on a group never made. */
void cg_remove(struct cgroup *cg);

/* The values written: v1 shares and v2 weight for a credit weight; the
 * quota in microseconds per CG_PERIOD_US (-1: none) for a cap. */
unsigned long cg_v1_shares(unsigned weight);
unsigned cg_v2_weight(unsigned weight);
long cg_quota_us(unsigned cap);

/* Removes groups named "<prefix><pid>" whose pid is no longer alive
 * (monitors killed outright), under the cpu root of mount_root. */
void cg_reap_stale(const char *mount_root, const char *prefix);

#endif
