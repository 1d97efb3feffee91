/* Fuzzes the xenhv control-protocol decoder; also checks that whatever
 * string the encoder is given, its output parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xenctrl.h"
#include "xenhv-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xhp_msg m;
	char why[160], *s, *line, *dec;
	const char *str;
	int64_t i;
	uint64_t u;
	double d;
	bool b;
	size_t len, dlen;
	yajl_gen g;

	if (xhp_parse((const char *)data, size, &m, why, sizeof(why))) {
		struct xc_device dev;

		/* a device as device_add carries it: what decodes re-encodes */
		if (xhp_get_device(m.body, &dev, why, sizeof(why)))
			free(xhp_device_json(&dev));
		xhp_get_str(m.body, "reason", &str);
		xhp_get_int(m.body, "version", &i);
		xhp_get_uint(m.body, "seq", &u);
		xhp_get_double(m.body, "start_time", &d);
		xhp_get_bool(m.body, "blocked", &b);
		xhp_msg_dispose(&m);
	}
	if (xhp_b64_decode((const char *)data, size, &dec, &dlen))
		free(dec);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	g = xhp_begin(XHP_EVENT, 1, "state");
	xhp_put_str(g, "detail", s);
	line = xhp_end(g, &len);
	line[len - 1] = '\0';
	if (len - 1 <= XHP_LINE_MAX && !xhp_parse(line, len - 1, &m, why, sizeof(why)))
		abort();	/* our own encoding must always decode */
	xhp_msg_dispose(&m);
	free(line);
	free(s);
	return 0;
}
