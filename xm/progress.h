/* progress.h: the progress line of long operations (xm migrate, save,
 * restore) on a terminal: "transferred/total MiB, rate", redrawn in place
 * by a child process that polls xend on its own connection while the
 * command's own call waits. Nothing at all when stdout is not a
 * terminal, so scripts see only the command's result; or, for --json,
 * one JSON object a line whatever stdout is (docs/JSON.md). */
#ifndef XM_PROGRESS_H
#define XM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "xv.h"

struct xm_progress;

/* Starts the display when stdout is a terminal (or XM_PROGRESS=1, for
 * tests), else returns NULL. Every half second the child calls
 * method(params) (params is copied), which answers a struct with bytes,
 * total, rate (bytes/s), step and in_flight; label starts the line. */
struct xm_progress *xm_progress_start(const char *label, const char *method,
    const struct xv *params);
/* The same as JSON lines, terminal or not: {"schema", "command",
 * "event": "progress", ids' members (a struct: domain, host...), "step",
 * "transferred_bytes", "total_bytes", "rate_bytes_per_second",
 * "in_flight"}, one each time the figures change. */
struct xm_progress *xm_progress_start_json(const char *command,
    const struct xv *ids, const char *method, const struct xv *params);
/* Stops the child (by its pid) and ends the line. NULL is fine. */
void xm_progress_stop(struct xm_progress *p);

/* The line for one answer, without the label ("12.0/256.0 MiB  30.1 MiB/s
 * (streaming)"), for the child and for tests. Caller frees. */
char *xm_progress_text(const struct xv *status);

#endif
