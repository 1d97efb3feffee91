/* xc-threads.c: an engine's vCPU threads as the host's /proc shows them:
 * their CPU time and whether one is on a CPU. xenhv reads them for its
 * getinfo; xend reads them itself, with the thread ids getinfo gave, so a
 * listing needs no round trip to each monitor. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "xenctrl.h"

static bool
read_small(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		return false;
	buf[r] = '\0';
	return true;
}

/* One thread: its run state and last CPU from stat, its CPU time from
 * schedstat (ns) or, without schedstats, from stat's utime+stime (clock
 * ticks). */
bool
xc_thread_info(pid_t pid, pid_t tid, uint64_t *cpu_ns, bool *running, int *cpu)
{
	char path[64], buf[512], *p;
	unsigned long long ut = 0, st = 0, ns;
	int i, proc = -1;

	*cpu_ns = 0;
	*running = false;
	*cpu = -1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	if (tid <= 0 || !read_small(path, buf, sizeof(buf)) ||
	    (p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return false;
	p += 2;
	*running = *p == 'R';
	/* After the state (field 3): ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt, then utime and stime (14, 15); processor is
	 * field 39. */
	for (i = 0; i < 11 && p != NULL; i++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu %llu", &ut, &st) != 2)
		ut = st = 0;
	for (i = 14; i < 39 && p != NULL; i++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p != NULL && sscanf(p, "%d", &proc) == 1)
		*cpu = proc;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	if (read_small(path, buf, sizeof(buf)) && sscanf(buf, "%llu", &ns) == 1 && ns > 0)
		*cpu_ns = ns;
	else
		*cpu_ns = (ut + st) * (1000000000ULL /
		    (unsigned long long)sysconf(_SC_CLK_TCK));
	return true;
}

uint64_t
xc_threads_cpu_ns(pid_t pid, const pid_t *tids, size_t n, bool *running)
{
	uint64_t sum = 0, ns;
	size_t i, j;
	bool r;
	int cpu;

	*running = false;
	for (i = 0; i < n; i++) {
		/* Single-threaded TCG runs every vCPU on one thread. */
		for (j = 0; j < i && tids[j] != tids[i]; j++)
			;
		if (j == i && tids[i] > 0 && xc_thread_info(pid, tids[i], &ns, &r, &cpu)) {
			sum += ns;
			*running = *running || r;
		}
	}
	return sum;
}
