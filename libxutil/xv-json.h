/* xv-json.h: an xv value as JSON through yajl, for every JSON writer
 * (xm --json, xend's web page): structs as objects, lists as arrays, a
 * double in the fewest digits that read back the same. */
#ifndef XV_JSON_H
#define XV_JSON_H

#include <yajl/yajl_gen.h>

#include "xv.h"

void xv_json_double(yajl_gen g, double v);
void xv_json_value(yajl_gen g, const struct xv *v);

#endif
