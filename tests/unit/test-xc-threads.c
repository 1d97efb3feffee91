/* test-xc-threads.c: an engine's vCPU threads read from /proc (libxc's
 * xc-threads.c), on this process's own threads: a thread that spins is
 * on a CPU and gains CPU time, a thread listed twice counts once, a
 * thread that is gone counts as zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "xenctrl.h"

static atomic_int stop;
static atomic_int spinner_tid;

static void *
spin(void *arg)
{
	(void)arg;
	atomic_store(&spinner_tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&stop))
		;
	return NULL;
}

static uint64_t
self_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
test_threads(void **state)
{
	pid_t pid = getpid(), me = (pid_t)syscall(SYS_gettid), tids[3];
	uint64_t ns, one, twice, before, after;
	pthread_t th;
	bool running, r;
	int cpu;

	(void)state;
	/* this thread runs now: on a CPU, with some CPU time spent */
	while (self_cpu_ns() < 20000000ull)
		;
	assert_true(xc_thread_info(pid, me, &ns, &running, &cpu));
	assert_true(running);
	assert_true(ns > 0);
	assert_true(cpu >= 0);

	atomic_store(&stop, 0);
	assert_int_equal(pthread_create(&th, NULL, spin, NULL), 0);
	while (atomic_load(&spinner_tid) == 0)
		;
	tids[0] = atomic_load(&spinner_tid);
	before = xc_threads_cpu_ns(pid, tids, 1, &r);
	do
		after = xc_threads_cpu_ns(pid, tids, 1, &r);
	while (after <= before);
	assert_true(after > before);

	/* the same thread twice (TCG's one thread for all vCPUs) counts once;
	 * a tid of 0 (an unplugged vCPU) counts as zero */
	tids[1] = tids[0];
	tids[2] = 0;
	one = xc_threads_cpu_ns(pid, tids, 1, &r);
	twice = xc_threads_cpu_ns(pid, tids, 3, &r);
	assert_true(twice < 2 * one);

	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	/* gone: zero, and not running */
	assert_false(xc_thread_info(pid, tids[0], &ns, &running, &cpu));
	assert_int_equal(xc_threads_cpu_ns(pid, tids, 1, &r), 0);
	assert_false(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
