/* fault.c: test-only fault injection (fault.h): xend dies, or stops, at a
 * step named in XEND_TEST_EXIT_AT. */
#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xu.h"

void
fault_point(const char *step, const char *domain)
{
	const char *spec = getenv("XEND_TEST_EXIT_AT"), *action;

	if (spec == NULL || !xu_fault_matches(spec, step, domain, &action))
		return;
	if (strcmp(action, "stop") == 0) {
		log_warn("XEND_TEST_EXIT_AT=%s: stopping at %s", spec, step);
		raise(SIGSTOP);
		log_warn("XEND_TEST_EXIT_AT=%s: continued", spec);
		return;
	}
	log_warn("XEND_TEST_EXIT_AT=%s: exiting now", spec);
	_exit(9);
}
