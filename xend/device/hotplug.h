/* hotplug.h: running a hotplug script as xend's child on the libevent
 * loop, never blocking it: its own process group, stdin /dev/null, stdout
 * and stderr captured, the whole group killed at the timeout; the caller
 * hears once how it ended. */
#ifndef XEND_HOTPLUG_H
#define XEND_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>

#include "xu.h"

struct event_base;
struct hotplug;

#define HOTPLUG_OUTPUT_MAX	4096	/* the last bytes of output kept */

struct hotplug_result {
	bool timed_out;		/* killed at the timeout */
	int status;		/* the wait status otherwise */
	char *output;		/* what it wrote (stdout and stderr), trimmed */
	double seconds;
};

typedef void (*hotplug_done_fn)(void *arg, const struct hotplug_result *r);

/* Runs path with argv (argv[0] included) and xend's environment plus env
 * ("NAME=VALUE" strings, NULL-terminated; they win over xend's). done is
 * called from the loop, never from inside this call. A script that is
 * missing or not executable fails here, with err naming it and why. */
struct hotplug *hotplug_run(struct event_base *base, const char *path,
    char *const argv[], char *const env[], int timeout_s,
    hotplug_done_fn done, void *arg, struct xu_err *err);
/* Forgets a run whose done has not been called yet (it never will be);
 * the process group is killed. */
void hotplug_cancel(struct hotplug *h);

/* "exited with status 1", "was killed by signal 9", "timed out after
 * 3 s", "succeeded". */
void hotplug_describe(const struct hotplug_result *r, int timeout_s, char *buf,
    size_t len);

#endif
