/* fuzz-xmlrpc.c: libFuzzer target; decodes input as a call and as a
 * response, and whatever decodes must survive encode -> decode intact. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "xmlrpc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xv_equal, except that a NaN equals a NaN (the codec keeps NaNs). */
static bool
same(const struct xv *a, const struct xv *b)
{
	size_t i;

	if (a == NULL || b == NULL || a->type != b->type)
		return a == b;
	switch (a->type) {
	case XV_DOUBLE:
		return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
	case XV_LIST:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (i = 0; i < a->u.list.n; i++)
			if (!same(a->u.list.items[i], b->u.list.items[i]))
				return false;
		return true;
	case XV_STRUCT:
		if (a->u.st.n != b->u.st.n)
			return false;
		for (i = 0; i < a->u.st.n; i++)
			if (strcmp(a->u.st.members[i].key, b->u.st.members[i].key) ||
			    !same(a->u.st.members[i].val, b->u.st.members[i].val))
				return false;
		return true;
	default:
		return xv_equal(a, b);
	}
}

/* Can XML 1.0 carry these bytes unchanged? Written apart from the codec's
 * own check on purpose: valid UTF-8 of allowed characters only. */
static bool
xml_clean(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			c = s[i];
			n = 1;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			c = s[i] & 0x1f;
			n = 2;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			c = s[i] & 0x0f;
			n = 3;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			c = s[i] & 0x07;
			n = 4;
		} else
			return false;
		if (i + n > len)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
			return false;
		if (c < 0x20 ? !(c == 9 || c == 10 || c == 13) :
		    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
			return false;
		i += n;
	}
	return true;
}

/* Does v travel without change (no out-of-32-bit ints, no bytes that get
 * replaced by U+FFFD)? */
static bool
lossless(const struct xv *v)
{
	size_t i;

	switch (v->type) {
	case XV_INT:
		return v->u.i >= INT32_MIN && v->u.i <= INT32_MAX;
	case XV_STRING:
		return xml_clean(v->u.str.s, v->u.str.len);
	case XV_LIST:
		for (i = 0; i < v->u.list.n; i++)
			if (!lossless(v->u.list.items[i]))
				return false;
		return true;
	case XV_STRUCT:
		for (i = 0; i < v->u.st.n; i++)
			if (!xml_clean(v->u.st.members[i].key,
			    strlen(v->u.st.members[i].key)) ||
			    !lossless(v->u.st.members[i].val))
				return false;
		return true;
	default:
		return true;
	}
}

static void
check_call(const char *in, size_t size)
{
	struct xu_err err;
	struct xv *p = NULL, *p2 = NULL;
	char *m = NULL, *m2 = NULL, *e1 = NULL, *e2 = NULL;

	if (xmlrpc_decode_call(in, size, &m, &p, &err) != XU_OK) {
		if (m != NULL || p != NULL)
			abort();
		return;
	}
	if (p == NULL || p->type != XV_LIST || m == NULL)
		abort();
	e1 = xmlrpc_encode_call(m, p);
	if (e1 == NULL)
		abort();
	if (strlen(e1) <= XMLRPC_MAX_BODY) {
		if (xmlrpc_decode_call(e1, strlen(e1), &m2, &p2, &err) != XU_OK)
			abort();
		if (strcmp(m, m2) != 0 || (lossless(p) && !same(p, p2)))
			abort();
		/* what we send once reads back to the very same document */
		e2 = xmlrpc_encode_call(m2, p2);
		if (e2 == NULL || strcmp(e1, e2) != 0)
			abort();
	}
	free(m);
	free(m2);
	free(e1);
	free(e2);
	xv_free(p);
	xv_free(p2);
}

static void
check_response(const char *in, size_t size)
{
	struct xu_err err;
	struct xv *r = NULL, *r2 = NULL;
	char *fs = NULL, *fs2 = NULL, *e1 = NULL, *e2 = NULL;
	int rc, rc2, fc = 0, fc2 = 0;

	rc = xmlrpc_decode_response(in, size, &r, &fc, &fs, &err);
	if (rc != XU_OK && rc != XU_ERR_FAULT) {
		if (r != NULL || fs != NULL)
			abort();
		return;
	}
	if ((rc == XU_OK) != (r != NULL) || (rc == XU_ERR_FAULT) != (fs != NULL))
		abort();
	e1 = rc == XU_OK ? xmlrpc_encode_response(r) :
	    xmlrpc_encode_fault(fc, fs);
	if (e1 == NULL)
		abort();
	if (strlen(e1) <= XMLRPC_MAX_BODY) {
		rc2 = xmlrpc_decode_response(e1, strlen(e1), &r2, &fc2, &fs2,
		    &err);
		if (rc2 != rc)
			abort();
		if (rc == XU_OK && lossless(r) && !same(r, r2))
			abort();
		if (rc == XU_ERR_FAULT && (fc != fc2 ||
		    (xml_clean(fs, strlen(fs)) && strcmp(fs, fs2) != 0)))
			abort();
		e2 = rc == XU_OK ? xmlrpc_encode_response(r2) :
		    xmlrpc_encode_fault(fc2, fs2);
		if (e2 == NULL || strcmp(e1, e2) != 0)
			abort();
	}
	free(fs);
	free(fs2);
	free(e1);
	free(e2);
	xv_free(r);
	xv_free(r2);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlInitParser();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any overread */
	char *in = malloc(size ? size : 1);

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	check_call(in, size);
	check_response(in, size);
	free(in);
	return 0;
}
