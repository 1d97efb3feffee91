/* loopwatch.h: xend's loop must never wait (DESIGN.md); this notices when
 * it does. A timer that should fire every LOOPWATCH_TICK_MS logs how long
 * the loop was held whenever it fires more than LOOPWATCH_STALL_MS late,
 * with what the loop was last doing (loopwatch_note); XML-RPC handlers
 * that run longer than that are logged by name (rpc-server.c). */
#ifndef XEND_LOOPWATCH_H
#define XEND_LOOPWATCH_H

struct event_base;

#define LOOPWATCH_TICK_MS	100
#define LOOPWATCH_STALL_MS	100

void loopwatch_start(struct event_base *base);
void loopwatch_stop(void);
/* What the loop is doing now ("xend.domains_with_state from pid 42"):
 * copied, cut at 160 bytes. */
void loopwatch_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Milliseconds on CLOCK_MONOTONIC, for callers that time a step. */
double loopwatch_now_ms(void);

#endif
