/* fault.c: test-only fault injection (fault.h): xend dies, or stops, at a
 * step named in XEND_TEST_EXIT_AT. */
#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Does spec ("STEP[@DOMAIN][:stop]") name this step of this domain? */
static int
matches(const char *spec, const char *step, const char *domain,
    const char **action)
{
	size_t n = strcspn(spec, "@:");
	const char *p = spec + n;
	size_t dn;

	if (strlen(step) != n || strncmp(spec, step, n) != 0)
		return 0;
	if (*p == '@') {
		p++;
		dn = strcspn(p, ":");
		if (domain == NULL || strlen(domain) != dn ||
		    strncmp(p, domain, dn) != 0)
			return 0;
		p += dn;
	}
	*action = *p == ':' ? p + 1 : "exit";
	return 1;
}

void
fault_point(const char *step, const char *domain)
{
	const char *spec = getenv("XEND_TEST_EXIT_AT"), *action;

	if (spec == NULL || !matches(spec, step, domain, &action))
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
