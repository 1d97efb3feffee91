/* qemu.c: the engine back end: QEMU's command line from a domain's
 * configuration, starting it (argv and execve, never a shell), its log,
 * and the CPU time of its vCPU threads. */
#include "xenhv.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xu.h"

/* Fixed descriptor numbers in the child, so argv can name them. */
#define CHILD_SERIAL_FD	3
#define CHILD_QMP_FD	4
/* The extra RAM under TCG, see qemu_argv(). */
#define TCG_RAM_PAD_KIB	4

struct argv_buf {
	char **v;
	size_t n, cap;
};

static void
add(struct argv_buf *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = xu_realloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = xu_strdup(s);
	a->v[a->n] = NULL;
}

static void
add2(struct argv_buf *a, const char *opt, const char *val)
{
	add(a, opt);
	add(a, val);
}

static void
addf(struct argv_buf *a, const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
addf(struct argv_buf *a, const char *opt, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xu_vasprintf(fmt, ap);
	va_end(ap);
	add2(a, opt, s);
	free(s);
}

/* QEMU's option syntax splits on ',': a literal comma is written twice,
 * so a domain name cannot smuggle in sub-options. */
static char *
opt_escape(const char *s)
{
	struct xu_buf b;

	xu_buf_init(&b);
	for (; *s; s++) {
		if (*s == ',')
			xu_buf_addc(&b, ',');
		xu_buf_addc(&b, *s);
	}
	return xu_buf_steal(&b);
}

/* The guest's console is our serial line: unless the command line names
 * a console, point the kernel at ttyS0. */
static char *
kernel_cmdline(const char *cmdline)
{
	const char *c = cmdline != NULL ? cmdline : "";

	if (strncmp(c, "console=", 8) == 0 || strstr(c, " console=") != NULL)
		return xu_strdup(c);
	return xu_asprintf("%s%sconsole=ttyS0", c, *c ? " " : "");
}

char **
qemu_argv(struct xhv_dom *d, char *err, size_t errlen)
{
	const struct xhv_config *cfg = &d->cfg;
	struct argv_buf a = { NULL, 0, 0 };
	char *cmdline, *name, *machine, *cpu, **devs, **p;

	add(&a, xhv_jail_exe(d));
	name = opt_escape(cfg->name);
	addf(&a, "-name", "guest=%s,debug-threads=on", name);
	free(name);
	if (cfg->uuid != NULL && *cfg->uuid)
		add2(&a, "-uuid", cfg->uuid);
	add(&a, "-nodefaults");
	add(&a, "-no-user-config");
	add2(&a, "-display", "none");
	add2(&a, "-sandbox",
	    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	machine = xhv_platform_machine(cfg);
	add2(&a, "-machine", machine);
	free(machine);
	add2(&a, "-accel", cfg->accel == XC_ACCEL_KVM ? "kvm" : "tcg");
	if ((cpu = xhv_platform_cpu(cfg)) != NULL) {
		add2(&a, "-cpu", cpu);
		free(cpu);
	}
	/* Under TCG, one page more than asked. QEMU before 9.0 syncs the
	 * dirty bitmap of a RAM block whose size is a multiple of 64 pages
	 * by a fast path that clears the migration bits without making TCG's
	 * TLB trap the next write: a page the guest rewrites through a cached
	 * mapping after it was sent is never sent again, and the guest wakes
	 * on the destination with stale memory (seen here as kernel list
	 * corruption after one live migration in three). A block of any
	 * other size takes the per-page path, which resets those TLB entries.
	 * Both ends of a migration and a restore run the same accelerator,
	 * so they agree on the size; the balloon's target is still exact. */
	if (cfg->accel == XC_ACCEL_KVM)
		addf(&a, "-m", "%llu", (unsigned long long)cfg->maxmem_mb);
	else
		addf(&a, "-m", "%lluK",
		    (unsigned long long)cfg->maxmem_mb * 1024 + TCG_RAM_PAD_KIB);
	addf(&a, "-smp", "%u,maxcpus=%u", cfg->vcpus, cfg->maxvcpus);
	if (cfg->kernel != NULL && *cfg->kernel) {
		add2(&a, "-kernel", d->jail_kernel ? d->jail_kernel : cfg->kernel);
		if (cfg->ramdisk != NULL && *cfg->ramdisk)
			add2(&a, "-initrd", d->jail_ramdisk ? d->jail_ramdisk :
			    cfg->ramdisk);
		cmdline = kernel_cmdline(cfg->cmdline);
		add2(&a, "-append", cmdline);
		free(cmdline);
	}
	addf(&a, "-chardev", "socket,id=console0,fd=%d", CHILD_SERIAL_FD);
	if (xhv_platform_serial(cfg) != NULL) {
		char *serial = xhv_platform_chardev(d, "serial",
		    xhv_platform_serial(cfg), err, errlen);

		if (serial == NULL) {
			qemu_argv_free(a.v);
			return NULL;
		}
		add2(&a, "-serial", serial);
		free(serial);
	}
	addf(&a, "-chardev", "socket,id=qmp0,fd=%d", CHILD_QMP_FD);
	add2(&a, "-mon", "chardev=qmp0,mode=control");
	add2(&a, "-device", "virtio-balloon-pci,id=balloon0");
	/* A panic stops the guest (GUEST_PANICKED) and leaves it for a dump;
	 * a guest reboot ends QEMU like a poweroff, reported as "reboot", so
	 * the on_reboot policy stays xend's. */
	add2(&a, "-device", "pvpanic");
	add2(&a, "-action", "reboot=shutdown,shutdown=poweroff,panic=pause");
	/* A restore loads the saved state through QMP (save.c). */
	if (cfg->incoming_fd >= 0)
		add2(&a, "-incoming", "defer");
	if ((devs = xhv_devices_qemu_args(d, err, errlen)) == NULL) {
		qemu_argv_free(a.v);
		return NULL;
	}
	for (p = devs; *p != NULL; p++)
		add(&a, *p);
	qemu_argv_free(devs);
	if ((devs = xhv_platform_qemu_args(d, err, errlen)) == NULL) {
		qemu_argv_free(a.v);
		return NULL;
	}
	for (p = devs; *p != NULL; p++)
		add(&a, *p);
	qemu_argv_free(devs);
	add(&a, "-S");
	xhv_jail_add_args(d, &a.v);
	return a.v;
}

void
qemu_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

static void
close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lowfd, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lowfd; fd < 1024; fd++)
		close(fd);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void __attribute__((noreturn))
child(struct xhv_dom *d, char **argv, int serial_fd, int qmp_fd, int logfd,
    pid_t parent)
{
	static const char msg[] = "xenhv: cannot execute QEMU\n";
	sigset_t none;
	int s, q, nul;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Move the sockets out of the way before pinning them to 3 and 4. */
	xhv_jail_child_lift(d);
	s = fcntl(serial_fd, F_DUPFD, 10);
	q = fcntl(qmp_fd, F_DUPFD, 10);
	nul = open("/dev/null", O_RDWR);
	if (s < 0 || q < 0 || nul < 0)
		_exit(127);
	if (dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(logfd, 2) < 0 ||
	    dup2(s, CHILD_SERIAL_FD) < 0 || dup2(q, CHILD_QMP_FD) < 0)
		_exit(127);
	close_from(xhv_jail_child_place(d, CHILD_QMP_FD + 1));
	xhv_jail_enter(d, parent);
	execv(argv[0], argv);
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(127);
}

pid_t
qemu_spawn(struct xhv_dom *d, char **argv, int serial_fd, int qmp_fd, int logfd)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid == 0)
		child(d, argv, serial_fd, qmp_fd, logfd, parent);
	xhv_jail_started(d);
	return pid;
}

char *
qemu_log_tail(const char *path, off_t from, size_t max)
{
	char *buf = NULL, *p, *end;
	off_t size, start;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xu_strdup("");
	size = lseek(fd, 0, SEEK_END);
	start = size - (off_t)max > from ? size - (off_t)max : from;
	if (size <= start) {
		close(fd);
		return xu_strdup("");
	}
	buf = xu_malloc((size_t)(size - start) + 1);
	r = pread(fd, buf, (size_t)(size - start), start);
	close(fd);
	if (r < 0)
		r = 0;
	buf[r] = '\0';
	p = buf;
	while (*p == '\n' || *p == ' ')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		*--end = '\0';
	memmove(buf, p, (size_t)(end - p) + 1);
	return buf;
}

