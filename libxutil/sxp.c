/* placeholder: being written */
#include "sxp.h"
