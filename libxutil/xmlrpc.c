/* placeholder: being written */
#include "xmlrpc.h"
