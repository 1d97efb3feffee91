/* fuzz-xm-reply.c: xm's parser of xend's HTTP replies, on bytes as they
 * might arrive, complete or cut off by the end of the connection. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xm_rpc_reply rep;
	struct xm_rpc_err err;
	char *copy = malloc(size ? size : 1);
	int r;

	/* an exact-size copy: any read past the end is caught */
	memcpy(copy, data, size);
	for (int eof = 0; eof <= 1; eof++) {
		memset(&err, 0, sizeof(err));
		r = xm_rpc_parse_reply(copy, size, eof, &rep, &err);
		if (r == 0 && (rep.head_len > size ||
		    rep.body_len > size - rep.head_len))
			abort();
		if (r < 0 && err.status != XM_RPC_HTTP)
			abort();
	}
	free(copy);
	return 0;
}
