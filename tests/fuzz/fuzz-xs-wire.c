/* Fuzzes the xenstore wire codec: a header, a payload split into its
 * strings, permissions, paths and errno names, as xend's xenstore server
 * takes them from its untrusted clients. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xs-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *parts[64];
	struct xsw_hdr h;
	struct xsw_perm p;
	char buf[32], *s;
	bool open_end;
	int n, i;

	if (size >= XS_HEADER_LEN && xsw_hdr_decode(data, &h)) {
		unsigned char raw[XS_HEADER_LEN];

		xsw_hdr_encode(&h, raw);
		if (memcmp(raw, data, XS_HEADER_LEN) != 0)
			abort();	/* the codec is its own inverse */
		(void)xsw_type_name(h.type);
	}
	n = xsw_split((const char *)data, size, parts, 64, &open_end);
	for (i = 0; i < n; i++) {
		size_t len = i + 1 < n || !open_end ? strlen(parts[i]) :
		    size - (size_t)(parts[i] - (const char *)data);

		s = malloc(len + 1);
		memcpy(s, parts[i], len);
		s[len] = '\0';
		if (xsw_perm_parse(s, &p)) {
			xsw_perm_format(&p, buf, sizeof(buf));
			if (!xsw_perm_parse(buf, &p))
				abort();
		}
		(void)xsw_path_valid(s, true, true);
		(void)xsw_errno_from_name(s, len);
		free(s);
	}
	return 0;
}
