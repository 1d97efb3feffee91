/* placeholder: being written */
#include "domcfg.h"
