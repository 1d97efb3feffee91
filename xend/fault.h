/* fault.h: test-only fault injection at named steps of xend's multi-step
 * operations, so that tests can kill or stop xend at a precise point. */
#ifndef XEND_FAULT_H
#define XEND_FAULT_H

/*
 * XEND_TEST_EXIT_AT="STEP[@DOMAIN][:stop]" in xend's environment: when xend
 * reaches STEP (for the domain named DOMAIN only, if given), it dies at
 * once as `kill -9` would, or, with ":stop", stops itself (SIGSTOP) until
 * a SIGCONT, so a test can act while xend is there. Unset, a step costs a
 * string comparison. Every step is written FAULT_POINT("name", domain) on
 * a line of its own, so that tests list them from the sources.
 */
void fault_point(const char *step, const char *domain);
#define FAULT_POINT(step, domain)	fault_point(step, domain)

#endif
