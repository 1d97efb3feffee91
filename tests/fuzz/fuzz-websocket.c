/* Fuzzes xend's WebSocket frame decoder (xend/http/websocket.c): the
 * input's first byte sets the size of the pieces the rest is fed in,
 * as a socket would split it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "websocket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_decoder d;
	struct ws_event ev;
	uint8_t *buf;
	size_t step, p = 0, n, used;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 16 + 1;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	memset(&d, 0, sizeof(d));
	while (p < size - 1) {
		n = size - 1 - p < step ? size - 1 - p : step;
		used = ws_decode(&d, buf + p, n, &ev);
		if (ev.type == WS_EV_ERROR)
			break;
		if (ev.type == WS_EV_DATA && (ev.data < buf + p ||
		    ev.data + ev.len > buf + p + used))
			abort();
		if (ev.type == WS_EV_CONTROL && ev.ctl_len > WS_CONTROL_MAX)
			abort();
		p += used;
	}
	free(buf);
	return 0;
}
