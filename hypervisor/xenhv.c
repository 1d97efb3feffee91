/* xenhv.c: the per-domain monitor; it arrives with the domains issue. */
#include <stdio.h>

int
main(void)
{
	fputs("xenhv: this build does not run domains yet\n", stderr);
	return 1;
}
