/* fuzz-relocation.c: a relocation peer's first line and control messages
 * come from the network: whatever they hold, the readers answer without
 * crashing, and a message they accept prints back to one that reads as
 * the same message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relocation-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc_hello h;
	struct reloc_msg m, again;
	struct xu_err err;
	char *line;

	line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	(void)reloc_hello_parse(line, &h, &err);
	if (reloc_msg_parse(line, size, &m, &err) == XU_OK) {
		char *printed = reloc_msg_line(m.sxp);

		(void)reloc_msg_id(&m);
		(void)reloc_msg_int(&m, "version");
		(void)reloc_err_text(&m);
		if (reloc_msg_parse(printed, strlen(printed) - 1, &again,
		    &err) != XU_OK || !xv_equal(m.sxp, again.sxp))
			abort();
		reloc_msg_dispose(&again);
		reloc_msg_dispose(&m);
		free(printed);
	}
	free(line);
	return 0;
}
