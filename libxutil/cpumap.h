/* cpumap.h: sets of physical CPUs and their text form, as xend and xm
 * write them: "0-3,5", "^1" to leave one out of what came before, "all".
 * One parser for the config's cpus=, xm vcpu-pin and the monitor. */
#ifndef XU_CPUMAP_H
#define XU_CPUMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XU_CPUMAP_MAX	1024	/* CPUs a map can name */

struct xu_cpumap {
	uint64_t w[XU_CPUMAP_MAX / 64];
};

void xu_cpumap_zero(struct xu_cpumap *m);
/* CPUs 0 to n-1. */
void xu_cpumap_fill(struct xu_cpumap *m, unsigned n);
void xu_cpumap_set(struct xu_cpumap *m, unsigned cpu);
void xu_cpumap_clear(struct xu_cpumap *m, unsigned cpu);
bool xu_cpumap_test(const struct xu_cpumap *m, unsigned cpu);
unsigned xu_cpumap_count(const struct xu_cpumap *m);
bool xu_cpumap_empty(const struct xu_cpumap *m);
/* Keeps only CPUs below n. */
void xu_cpumap_limit(struct xu_cpumap *m, unsigned n);

/* Parses a CPU list: comma-separated items, each a number, a range a-b,
 * "^n" (removes n from what the items before added) or "all" (0 to
 * all_n-1). Whitespace around items is allowed. On failure returns false
 * and says why in why ("'4-2' is not a range"). */
bool xu_cpumap_parse(const char *s, unsigned all_n, struct xu_cpumap *m,
    char *why, size_t whylen);
/* Ranges "0-3,5" (malloc'd); "" for an empty map. */
char *xu_cpumap_format(const struct xu_cpumap *m);

#endif
