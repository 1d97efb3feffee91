/* loopwatch.c: the loop's stall detector (loopwatch.h). */
#include "loopwatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"

static struct event *tick;
static double expected_ms;	/* when the tick should fire */
static char note[160] = "nothing yet";

double
loopwatch_now_ms(void)
{
	return (double)xu_mono_us() / 1e3;
}

void
loopwatch_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	double now = loopwatch_now_ms(), late = now - expected_ms;

	if (late > LOOPWATCH_STALL_MS)
		log_warn("xend's loop was held for %.0f ms (last: %s)", late, note);
	expected_ms = now + LOOPWATCH_TICK_MS;
}

void
loopwatch_start(struct event_base *base)
{
	struct timeval tv = { 0, LOOPWATCH_TICK_MS * 1000 };

	tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	expected_ms = loopwatch_now_ms() + LOOPWATCH_TICK_MS;
	event_add(tick, &tv);
}

void
loopwatch_stop(void)
{
	if (tick != NULL)
		event_free(tick);
	tick = NULL;
}
