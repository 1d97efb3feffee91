/* xc-host.c: the host: physinfo from /proc and sysconf, and the choice
 * between KVM and TCG by measuring both on a tiny scratch guest. */
#include "xc-private.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* ---- physinfo ----------------------------------------------------- */

static void
read_cpuinfo(struct xc_physinfo *pi)
{
	unsigned ids[256], nids = 0, cores = 0, siblings = 0, id, i;
	char *line = NULL;
	size_t cap = 0;
	double mhz;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (pi->cpu_mhz == 0 && sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			pi->cpu_mhz = (unsigned)(mhz + 0.5);
		else if (cores == 0 && sscanf(line, "cpu cores : %u", &cores) == 1)
			continue;
		else if (siblings == 0 && sscanf(line, "siblings : %u", &siblings) == 1)
			continue;
		else if (sscanf(line, "physical id : %u", &id) == 1) {
			for (i = 0; i < nids && ids[i] != id; i++)
				;
			if (i == nids && nids < sizeof(ids) / sizeof(ids[0]))
				ids[nids++] = id;
		}
	}
	free(line);
	fclose(f);
	pi->sockets = nids ? nids : 1;
	pi->cores_per_socket = cores ? cores : pi->nr_cpus / pi->sockets;
	if (pi->cores_per_socket == 0)
		pi->cores_per_socket = 1;
	pi->threads_per_core = cores && siblings >= cores ? siblings / cores : 1;
}

static void
read_meminfo(struct xc_physinfo *pi)
{
	unsigned long long kb, avail = 0, freekb = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			pi->total_memory_kb = kb;
		else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			avail = kb;
		else if (sscanf(line, "MemFree: %llu kB", &kb) == 1)
			freekb = kb;
	}
	free(line);
	fclose(f);
	pi->free_memory_kb = avail ? avail : freekb;
}

static unsigned
count_nodes(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	d = opendir("/sys/devices/system/node");
	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "node", 4) == 0 && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9')
			n++;
	}
	closedir(d);
	return n ? n : 1;
}

/* Xen's hw_caps words: 1.edx, 0x80000001.edx, (transmeta), (linux),
 * 1.ecx, (centaur), 0x80000001.ecx, 7.ebx. */
static void
read_caps(uint32_t caps[8])
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		caps[0] = d;
		caps[4] = c;
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
		caps[1] = d;
		caps[6] = c;
	}
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		caps[7] = b;
	}
#else
	(void)caps;
#endif
}

int
xc_physinfo(xc_interface *xc, struct xc_physinfo *info)
{
	long n;

	xcp_clear_error(xc);
	memset(info, 0, sizeof(*info));
	n = sysconf(_SC_NPROCESSORS_ONLN);
	info->nr_cpus = n > 0 ? (unsigned)n : 1;
	read_cpuinfo(info);
	read_meminfo(info);
	if (info->total_memory_kb == 0) {
		long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
		long psz = sysconf(_SC_PAGESIZE);

		if (pages <= 0 || psz <= 0)
			return xcp_fail(xc, XC_ERR_IO, "cannot read the host's memory size");
		info->total_memory_kb = (uint64_t)pages * (uint64_t)psz / 1024;
		info->free_memory_kb = avail > 0 ? (uint64_t)avail * (uint64_t)psz / 1024 : 0;
	}
	info->nr_nodes = count_nodes();
	read_caps(info->hw_caps);
	info->kvm_present = access("/dev/kvm", F_OK) == 0;
	return XC_OK;
}

/* ---- accelerator probe -------------------------------------------- */

/*
 * The calibration guest is a 64 KiB firmware image (QEMU's -bios, mapped
 * below 4 GiB) that stays in real mode at CPL 0: a loop of plain
 * arithmetic and memory writes that reports every 16384 iterations with
 * one byte to the debug port. A nested KVM that emulates supervisor mode
 * crawls through it; real KVM runs it at native speed. (The protected-mode
 * switch itself never completes on such a KVM, so the loop avoids it.)
 *
 *	.code16
 *	cli
 *	movw  $0x402, %dx
 *	xorl  %eax, %eax
 *	xorw  %bx, %bx
 *	movw  %bx, %ds
 * outer:	movl  $16384, %ecx
 * inner:	addl  %ecx, %ebx
 *	movl  %ebx, 0x1000
 *	xorl  %eax, %ebx
 *	decl  %ecx
 *	jnz   inner
 *	incl  %eax
 *	outb  %al, %dx
 *	jmp   outer
 *	.org 0xFFF0		reset vector: jmp 0
 */
static const unsigned char probe_code[] = {
	0xfa, 0xba, 0x02, 0x04, 0x66, 0x31, 0xc0, 0x31, 0xdb, 0x8e, 0xdb,
	0x66, 0xb9, 0x00, 0x40, 0x00, 0x00, 0x66, 0x01, 0xcb, 0x66, 0x89,
	0x1e, 0x00, 0x10, 0x66, 0x31, 0xc3, 0x66, 0x49, 0x75, 0xf1, 0x66,
	0x40, 0xee, 0xeb, 0xe6,
};
static const unsigned char probe_reset[] = { 0xe9, 0x0d, 0x00 };
#define PROBE_LOOPS_PER_BYTE	16384.0
#define PROBE_IMAGE_SIZE	65536
#define PROBE_WINDOW_US		1000000		/* measured after the first byte */
#define PROBE_DEADLINE_US	2600000		/* whole probe */

struct probe_run {
	const char *accel;
	pid_t pid;
	int fd;
	int64_t first_us, last_us;
	uint64_t bytes;		/* after the first */
	bool eof, done;
};

static int
write_image(xc_interface *xc, char *path, size_t pathlen)
{
	const char *tmp = getenv("TMPDIR");
	unsigned char *img;
	size_t off = 0;
	ssize_t r;
	int fd, rc = XC_OK;

	snprintf(path, pathlen, "%s/xc-accel-probe-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return xcp_fail(xc, XC_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	img = xu_calloc(1, PROBE_IMAGE_SIZE);
	memcpy(img, probe_code, sizeof(probe_code));
	memcpy(img + 0xfff0, probe_reset, sizeof(probe_reset));
	while (off < PROBE_IMAGE_SIZE) {
		r = write(fd, img + off, PROBE_IMAGE_SIZE - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = xcp_fail(xc, XC_ERR_IO, "cannot write %s: %s", path, strerror(errno));
			unlink(path);
			break;
		}
		off += (size_t)r;
	}
	free(img);
	close(fd);
	return rc;
}

static void
probe_start(struct probe_run *run, const char *image)
{
	char *argv[32], accel[16], bios[PATH_MAX + 8];
	int sv[2], n = 0, fd;
	pid_t parent = getpid();

	run->pid = -1;
	run->fd = -1;
	run->eof = true;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	snprintf(accel, sizeof(accel), "%s", run->accel);
	snprintf(bios, sizeof(bios), "%s", image);
	argv[n++] = (char *)xcp_qemu_path();
	argv[n++] = "-machine";
	argv[n++] = "q35";
	argv[n++] = "-accel";
	argv[n++] = accel;
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-sandbox";
	argv[n++] = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";
	argv[n++] = "-m";
	argv[n++] = "16";
	argv[n++] = "-bios";
	argv[n++] = bios;
	argv[n++] = "-chardev";
	argv[n++] = "socket,id=probe,fd=3";
	argv[n++] = "-device";
	argv[n++] = "isa-debugcon,iobase=0x402,chardev=probe";
	argv[n] = NULL;
	run->pid = fork();
	if (run->pid == 0) {
		sigset_t none;
		int nul;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		fd = fcntl(sv[1], F_DUPFD, 10);
		nul = open("/dev/null", O_RDWR);
		if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 ||
		    dup2(nul, 2) < 0 || dup2(fd, 3) < 0)
			_exit(127);
#ifdef SYS_close_range
		if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
#endif
			for (fd = 4; fd < 1024; fd++)
				close(fd);
		execv(argv[0], argv);
		_exit(127);
	}
	close(sv[1]);
	if (run->pid < 0) {
		close(sv[0]);
		return;
	}
	run->fd = sv[0];
	run->eof = false;
}

static void
probe_read(struct probe_run *run, int64_t now)
{
	char buf[4096];
	ssize_t r;

	r = read(run->fd, buf, sizeof(buf));
	if (r < 0 && errno == EINTR)
		return;
	if (r <= 0) {
		run->eof = true;
		run->done = true;
		return;
	}
	if (run->first_us == 0) {
		run->first_us = now;
		run->bytes += (uint64_t)r - 1;
	} else {
		run->bytes += (uint64_t)r;
	}
	run->last_us = now;
	if (now - run->first_us >= PROBE_WINDOW_US)
		run->done = true;
}

static void
probe_measure(struct probe_run *runs, int n)
{
	int64_t start = xu_mono_us(), now;
	struct pollfd pfd[2];
	int i, left;

	for (;;) {
		now = xu_mono_us();
		left = 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = runs[i].done || runs[i].eof ? -1 : runs[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			left += pfd[i].fd >= 0;
		}
		if (left == 0 || now - start >= PROBE_DEADLINE_US)
			return;
		if (poll(pfd, (nfds_t)n, 50) < 0 && errno != EINTR)
			return;
		now = xu_mono_us();
		for (i = 0; i < n; i++) {
			if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				probe_read(&runs[i], now);
		}
	}
}

static void
probe_stop(struct probe_run *run)
{
	int status;

	if (run->pid > 0) {
		kill(run->pid, SIGKILL);
		while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (run->fd >= 0)
		close(run->fd);
}

/* Loops per second, or 0 when the run gave too little to tell. */
static double
probe_rate(const struct probe_run *run)
{
	if (run->bytes == 0 || run->last_us <= run->first_us)
		return 0;
	return (double)run->bytes * PROBE_LOOPS_PER_BYTE * 1e6 /
	    (double)(run->last_us - run->first_us);
}

static void
decide(const struct probe_run *kvm, const struct probe_run *tcg, enum xc_accel *chosen,
    char *why, size_t whylen)
{
	double k = probe_rate(kvm), t = probe_rate(tcg);

	if (t == 0 && k == 0) {
		*chosen = XC_ACCEL_TCG;
		snprintf(why, whylen, "tcg: the calibration guest ran under neither "
		    "accelerator (is %s working?)", xcp_qemu_path());
	} else if (t == 0) {
		*chosen = XC_ACCEL_KVM;
		snprintf(why, whylen, "kvm: the tcg calibration failed; kvm ran "
		    "%.1f M loops/s", k / 1e6);
	} else if (k == 0 && kvm->first_us == 0) {
		*chosen = XC_ACCEL_TCG;
		snprintf(why, whylen, "tcg: kvm made no progress in the calibration "
		    "within %.1f s (tcg: %.1f M loops/s)%s", PROBE_DEADLINE_US / 1e6,
		    t / 1e6, kvm->eof ? "; QEMU could not start with kvm" : "");
	} else if (k == 0) {
		*chosen = XC_ACCEL_TCG;
		snprintf(why, whylen, "tcg: kvm ran the calibration over %.0fx slower "
		    "than tcg (nested?)", t * PROBE_WINDOW_US / 1e6 / PROBE_LOOPS_PER_BYTE);
	} else if (k >= t) {
		*chosen = XC_ACCEL_KVM;
		snprintf(why, whylen, "kvm: kvm ran the calibration %.1fx faster than tcg "
		    "(%.1f vs %.1f M loops/s)", k / t, k / 1e6, t / 1e6);
	} else {
		*chosen = XC_ACCEL_TCG;
		snprintf(why, whylen, "tcg: kvm ran the calibration %.0fx slower than tcg "
		    "(%.3f vs %.1f M loops/s; nested?)", t / k, k / 1e6, t / 1e6);
	}
}

int
xc_accel_probe(xc_interface *xc, enum xc_accel *chosen, char *why, size_t whylen)
{
	struct probe_run runs[2] = { { .accel = "kvm" }, { .accel = "tcg" } };
	char image[PATH_MAX];
	int64_t t0 = xu_mono_us();
	int fd, rc;

	xcp_clear_error(xc);
	*chosen = XC_ACCEL_TCG;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "tcg: /dev/kvm missing");
		else
			snprintf(why, whylen, "tcg: /dev/kvm: %s", strerror(errno));
		return XC_OK;
	}
	close(fd);
	if (access(xcp_qemu_path(), X_OK) < 0)
		return xcp_fail(xc, XC_ERR_ENGINE, "QEMU %s: %s", xcp_qemu_path(),
		    strerror(errno));
	rc = write_image(xc, image, sizeof(image));
	if (rc != XC_OK)
		return rc;
	/* Both at once: the probe stays under 3 s, and a busy host slows
	 * both alike. */
	probe_start(&runs[0], image);
	probe_start(&runs[1], image);
	probe_measure(runs, 2);
	probe_stop(&runs[0]);
	probe_stop(&runs[1]);
	unlink(image);
	decide(&runs[0], &runs[1], chosen, why, whylen);
	xcp_log(xc, XC_LOG_INFO, "accelerator probe (%.2f s): %s",
	    (double)(xu_mono_us() - t0) / 1e6, why);
	return XC_OK;
}
