/* fuzz-bootcfg.c: pygrub's menu parsers on a guest's hostile config. The
 * first byte picks the format and whether the rest is split into a
 * config and a grubenv (at the first form feed); whatever parses must
 * have a default inside the menu, entries that select themselves by
 * number, and args within their bound. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1, *env = NULL, *ff;
	size_t len, envlen = 0, i;
	enum bootcfg_format f;
	struct bootcfg c;
	char err[256], num[24];

	if (size < 1)
		return 0;
	f = (enum bootcfg_format)(data[0] % 3);
	len = size - 1;
	if ((data[0] & 4) && (ff = memchr(text, '\f', len)) != NULL) {
		env = ff + 1;
		envlen = len - (size_t)(env - text);
		len = (size_t)(ff - text);
	}
	err[0] = '\0';
	if (bootcfg_parse(f, text, len, env, envlen, &c, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || c.n != 0)
			abort();
		return 0;
	}
	if (c.n == 0 || c.default_entry >= c.n)
		abort();
	for (i = 0; i < c.n; i++) {
		if (c.v[i].title == NULL || c.v[i].args == NULL ||
		    strlen(c.v[i].args) > BOOTCFG_ARGS_MAX ||
		    c.v[i].ninitrd > BOOTCFG_INITRDS_MAX)
			abort();
		snprintf(num, sizeof(num), "%zu", i);
		if (bootcfg_select(&c, num, err, sizeof(err)) != (long)i)
			abort();
		if (c.v[i].kernel != NULL)
			(void)bootcfg_path_ok(c.v[i].kernel);
	}
	(void)bootcfg_select(&c, NULL, err, sizeof(err));
	(void)bootcfg_select(&c, "Debian GNU/Linux", err, sizeof(err));
	bootcfg_dispose(&c);
	return 0;
}
