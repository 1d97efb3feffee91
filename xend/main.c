/* placeholder */
#include <stdio.h>
int main(void) { fprintf(stderr, "xend: not yet\n"); return 1; }
