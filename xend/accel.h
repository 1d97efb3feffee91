/* accel.h: the accelerator decision (KVM or TCG), made once per xend: forced
 * by (accel kvm|tcg) or measured by xc_accel_probe in a child process, so
 * the event loop never waits on it. */
#ifndef XEND_ACCEL_H
#define XEND_ACCEL_H

#include <stdbool.h>

#include "xenctrl.h"

struct event_base;
struct accel;

/* Starts the decision: setting is the option's value ("auto", "kvm",
 * "tcg"). For auto a child runs the probe and the answer arrives through
 * the loop. Never fails: a probe that fails chooses TCG, saying why. */
struct accel *accel_new(struct event_base *base, xc_interface *xc,
    const char *setting);
/* Stops a probe still running (the child is killed and reaped). */
void accel_free(struct accel *a);

bool accel_known(const struct accel *a);
/* Valid once known: KVM or TCG, and a line saying why. */
enum xc_accel accel_chosen(const struct accel *a);
const char *accel_reason(const struct accel *a);
/* "tcg (/dev/kvm missing)", or "probing" while unknown; caller frees. */
char *accel_describe(const struct accel *a);
/* Calls fn(arg) once the decision is known: at once when it is. */
void accel_wait(struct accel *a, void (*fn)(void *), void *arg);

#endif
