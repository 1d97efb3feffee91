/* placeholder */
#include "xend-options.h"
