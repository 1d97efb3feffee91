/* xv-json.c: xv values written as JSON by yajl. */
#include "xv-json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
xv_json_double(yajl_gen g, double v)
{
	char buf[32];
	int prec;

	if (!isfinite(v)) {
		yajl_gen_null(g);
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, v);
	/* a whole number stays a double to a reader: 2.0, not 2 */
	if (strpbrk(buf, ".eEn") == NULL)
		strcat(buf, ".0");
	yajl_gen_number(g, buf, strlen(buf));
}

void
xv_json_value(yajl_gen g, const struct xv *v)
{
	const char *k;
	size_t i;

	switch (v == NULL ? XV_NIL : v->type) {
	case XV_NIL:
		yajl_gen_null(g);
		break;
	case XV_BOOL:
		yajl_gen_bool(g, v->u.b);
		break;
	case XV_INT:
		yajl_gen_integer(g, v->u.i);
		break;
	case XV_DOUBLE:
		xv_json_double(g, v->u.d);
		break;
	case XV_STRING:
		yajl_gen_string(g, (const unsigned char *)v->u.str.s, v->u.str.len);
		break;
	case XV_LIST:
		yajl_gen_array_open(g);
		for (i = 0; i < xv_len(v); i++)
			xv_json_value(g, xv_at(v, i));
		yajl_gen_array_close(g);
		break;
	case XV_STRUCT:
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.st.n; i++) {
			k = v->u.st.members[i].key;
			yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			xv_json_value(g, v->u.st.members[i].val);
		}
		yajl_gen_map_close(g);
		break;
	}
}
