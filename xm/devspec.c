/* placeholder: being written */
#include "devspec.h"
