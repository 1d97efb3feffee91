/* xc.c: libxc entry points (filled by the domains issue). */
#include "xenctrl.h"

int
xc_protocol_version(void)
{
	return 1;
}
