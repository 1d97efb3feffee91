/* cpumap.c: sets of physical CPUs and their text form "0-3,^1,5". */
#include "cpumap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xu.h"

void
xu_cpumap_zero(struct xu_cpumap *m)
{
	memset(m, 0, sizeof(*m));
}

void
xu_cpumap_fill(struct xu_cpumap *m, unsigned n)
{
	unsigned i;

	xu_cpumap_zero(m);
	for (i = 0; i < n && i < XU_CPUMAP_MAX; i++)
		xu_cpumap_set(m, i);
}

void
xu_cpumap_set(struct xu_cpumap *m, unsigned cpu)
{
	if (cpu < XU_CPUMAP_MAX)
		m->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

void
xu_cpumap_clear(struct xu_cpumap *m, unsigned cpu)
{
	if (cpu < XU_CPUMAP_MAX)
		m->w[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

bool
xu_cpumap_test(const struct xu_cpumap *m, unsigned cpu)
{
	return cpu < XU_CPUMAP_MAX && (m->w[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned
xu_cpumap_count(const struct xu_cpumap *m)
{
	unsigned i, n = 0;

	for (i = 0; i < XU_CPUMAP_MAX; i++)
		n += xu_cpumap_test(m, i);
	return n;
}

bool
xu_cpumap_empty(const struct xu_cpumap *m)
{
	return xu_cpumap_count(m) == 0;
}

void
xu_cpumap_limit(struct xu_cpumap *m, unsigned n)
{
	unsigned i;

	for (i = n; i < XU_CPUMAP_MAX; i++)
		xu_cpumap_clear(m, i);
}

static bool
number(const char *s, const char **end, unsigned *out)
{
	unsigned long v = 0;
	const char *p = s;

	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v >= XU_CPUMAP_MAX)
			return false;
		p++;
	}
	*end = p;
	*out = (unsigned)v;
	return p != s;
}

static bool
bad(char *why, size_t whylen, const char *item, const char *what)
{
	snprintf(why, whylen, "'%.40s' %s", item, what);
	return false;
}

/* One item, already trimmed. */
static bool
parse_item(const char *item, unsigned all_n, struct xu_cpumap *m, char *why,
    size_t whylen)
{
	const char *p = item;
	unsigned a, b, i;
	bool caret;

	if (strcmp(item, "all") == 0) {
		for (i = 0; i < all_n && i < XU_CPUMAP_MAX; i++)
			xu_cpumap_set(m, i);
		return true;
	}
	if ((caret = *p == '^'))
		p++;
	if (!number(p, &p, &a))
		return bad(why, whylen, item, "is not a CPU number below 1024");
	b = a;
	if (*p == '-') {
		if (caret)
			return bad(why, whylen, item, "cannot leave out a range");
		if (!number(p + 1, &p, &b))
			return bad(why, whylen, item, "is not a CPU range a-b");
		if (b < a)
			return bad(why, whylen, item, "is not a range (its end is "
			    "below its start)");
	}
	if (*p != '\0')
		return bad(why, whylen, item, "is not a CPU, a range a-b or ^n");
	for (i = a; i <= b; i++) {
		if (caret)
			xu_cpumap_clear(m, i);
		else
			xu_cpumap_set(m, i);
	}
	return true;
}

bool
xu_cpumap_parse(const char *s, unsigned all_n, struct xu_cpumap *m,
    char *why, size_t whylen)
{
	char *copy = xu_strdup(s), *item, *next, *end;
	bool ok = true;

	xu_cpumap_zero(m);
	if (*s == '\0') {
		snprintf(why, whylen, "the CPU list is empty");
		ok = false;
	}
	for (item = copy; ok && item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		while (isspace((unsigned char)*item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*item == '\0') {
			snprintf(why, whylen, "'%.40s' has an empty item", s);
			ok = false;
			break;
		}
		ok = parse_item(item, all_n, m, why, whylen);
	}
	free(copy);
	return ok;
}

char *
xu_cpumap_format(const struct xu_cpumap *m)
{
	struct xu_buf b;
	unsigned i, j;

	xu_buf_init(&b);
	for (i = 0; i < XU_CPUMAP_MAX; i++) {
		if (!xu_cpumap_test(m, i))
			continue;
		for (j = i; j + 1 < XU_CPUMAP_MAX && xu_cpumap_test(m, j + 1); j++)
			;
		if (b.len > 0)
			xu_buf_addc(&b, ',');
		if (j == i)
			xu_buf_printf(&b, "%u", i);
		else
			xu_buf_printf(&b, "%u-%u", i, j);
		i = j;
	}
	return xu_buf_steal(&b);
}
