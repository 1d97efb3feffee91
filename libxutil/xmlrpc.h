/* xmlrpc.h: XML-RPC encode/decode on libxml2, with the <nil/> extension,
 * faults (classic xend codes) and SXP values carried as nested arrays. */
#ifndef XMLRPC_H
#define XMLRPC_H

#include <stddef.h>

#include "xu.h"
#include "xv.h"

/* Classic xend fault codes (xend/XendError.py). */
enum xmlrpc_fault_code {
	XMLRPC_FAULT_INTERNAL = 1,
	XMLRPC_FAULT_GENERIC = 2,
	XMLRPC_FAULT_INVALID_DOMAIN = 3,
};

#define XMLRPC_MAX_BODY		(8u << 20)	/* bytes of one request/response */
#define XMLRPC_MAX_DEPTH	64		/* nesting of arrays/structs */

/* Encoders return a malloc'd NUL-terminated XML document. Integers outside
 * the signed 32-bit range are sent as <string> (XML-RPC <int> is 32-bit).
 * Bytes XML 1.0 cannot carry (invalid UTF-8, NUL, most control characters)
 * are replaced by U+FFFD; strings are never sent as base64. params is an
 * XV_LIST of arguments (NULL: none; any other value: the only argument);
 * a NULL result is sent as <nil/>. NULL only if libxml2 cannot allocate. */
char *xmlrpc_encode_call(const char *method, const struct xv *params);
char *xmlrpc_encode_response(const struct xv *result);
char *xmlrpc_encode_fault(int code, const char *message);

/* Decoders check size, depth and types. params/result are new xv values
 * the caller frees (params is always an XV_LIST). Errors: XU_ERR_TOO_BIG
 * (size or depth), XU_ERR_UNSUPPORTED (any DOCTYPE), XU_ERR_SYNTAX, _TYPE,
 * _RANGE (an <int> beyond 32 bits), _INVALID (a method name outside
 * [A-Za-z0-9_.:/]); err->msg says what and at which line. */
int xmlrpc_decode_call(const char *xml, size_t len, char **method,
    struct xv **params, struct xu_err *err);

/* A response is either a result (returns XU_OK) or a fault (returns
 * XU_ERR_FAULT with *fault_code and *fault_string set, *result NULL).
 * fault_code and fault_string may be NULL when the caller only needs err
 * (which then reads "fault N: message"). */
int xmlrpc_decode_response(const char *xml, size_t len, struct xv **result,
    int *fault_code, char **fault_string, struct xu_err *err);

#endif
