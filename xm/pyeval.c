/* placeholder: being written */
#include "pyeval.h"
