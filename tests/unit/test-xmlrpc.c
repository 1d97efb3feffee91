/* test-xmlrpc.c: XML-RPC codec: round trips of every type, the 32-bit rule,
 * faults, real-looking documents and the rejection of hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmlrpc.h"

/* Encodes v as a call and as a response, decodes both, and checks the
 * value comes back unchanged. */
static void
round_trip(const struct xv *v)
{
	struct xu_err err = { 0 };
	struct xv *params, *got = NULL, *back = NULL;
	char *doc, *method = NULL, *fs = NULL;
	int fc = 0;

	params = xv_append(xv_list(), xv_copy(v));
	doc = xmlrpc_encode_call("test.echo", params);
	assert_non_null(doc);
	assert_int_equal(xmlrpc_decode_call(doc, strlen(doc), &method, &back,
	    &err), XU_OK);
	assert_string_equal(method, "test.echo");
	assert_true(xv_equal(back, params));
	free(doc);

	doc = xmlrpc_encode_response(v);
	assert_non_null(doc);
	assert_int_equal(xmlrpc_decode_response(doc, strlen(doc), &got, &fc,
	    &fs, &err), XU_OK);
	assert_null(fs);
	assert_true(xv_equal(got, v));

	free(doc);
	free(method);
	xv_free(params);
	xv_free(back);
	xv_free(got);
}

static int
decode_resp(const char *xml, struct xv **v, struct xu_err *err)
{
	int fc = 0;
	char *fs = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = xmlrpc_decode_response(xml, strlen(xml), v, &fc, &fs, err);
	free(fs);
	return rc;
}

/* The response whose single value is the XML fragment frag. */
static struct xv *
decode_value_ok(const char *frag)
{
	struct xu_err err = { 0 };
	struct xv *v = NULL;
	char *doc;

	doc = xu_asprintf("<?xml version='1.0'?>\n<methodResponse><params>"
	    "<param><value>%s</value></param></params></methodResponse>", frag);
	if (decode_resp(doc, &v, &err) != XU_OK)
		fail_msg("%s: %s", frag, err.msg);
	free(doc);
	return v;
}

static int
decode_value_err(const char *frag, struct xu_err *err)
{
	struct xv *v = NULL;
	char *doc;
	int rc;

	doc = xu_asprintf("<methodResponse><params><param><value>%s</value>"
	    "</param></params></methodResponse>", frag);
	rc = decode_resp(doc, &v, err);
	assert_null(v);
	free(doc);
	return rc;
}

static int
decode_call_err(const char *xml, struct xu_err *err)
{
	struct xv *params = NULL;
	char *method = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = xmlrpc_decode_call(xml, strlen(xml), &method, &params, err);
	assert_null(method);
	assert_null(params);
	return rc;
}

static void
test_scalars(void **state)
{
	static const char *strings[] = {
		"", " ", "  two  ", "guest1", "a<b>&c\"d'e", "]]>",
		"</string></value><value><int>1</int>", "line\nbreak\ttab",
		"cr\r\nlf\r", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
		"&amp; is not unescaped twice",
	};
	static const double doubles[] = {
		0.0, -0.0, 0.1, -2.5, 1e300, -1e-300, 4.9e-324, 1.7976931348623157e308,
		3.141592653589793, 1.0 / 3.0, 123456789012345678.0,
	};
	struct xv *v;
	size_t i;

	round_trip(v = xv_nil());
	xv_free(v);
	round_trip(v = xv_bool(true));
	xv_free(v);
	round_trip(v = xv_bool(false));
	xv_free(v);
	round_trip(v = xv_int(0));
	xv_free(v);
	round_trip(v = xv_int(-1));
	xv_free(v);
	round_trip(v = xv_int(512));
	xv_free(v);
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		round_trip(v = xv_str(strings[i]));
		xv_free(v);
	}
	for (i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
		round_trip(v = xv_double(doubles[i]));
		xv_free(v);
	}
	round_trip(v = xv_double(INFINITY));
	xv_free(v);
	round_trip(v = xv_double(-INFINITY));
	xv_free(v);
}

static void
test_nested(void **state)
{
	struct xv *sxp, *cpumap, *vcpu, *st, *inner, *deep;
	int i;

	/* (domain (domid 1) (name guest1) (vcpu (number 0) (cpumap (0 1)))) */
	sxp = xv_append(xv_list(), xv_str("domain"));
	xv_append_pair(sxp, "domid", xv_int(1));
	xv_append_pair(sxp, "name", xv_str("guest1"));
	xv_append_pair(sxp, "cpu_time", xv_double(12.5));
	vcpu = xv_append(xv_list(), xv_str("vcpu"));
	xv_append_pair(vcpu, "number", xv_int(0));
	cpumap = xv_append(xv_append(xv_list(), xv_int(0)), xv_int(1));
	xv_append_pair(vcpu, "cpumap", cpumap);
	xv_append(sxp, vcpu);
	xv_append(sxp, xv_list());
	round_trip(sxp);

	st = xv_struct();
	xv_struct_set(st, "weight", xv_int(256));
	xv_struct_set(st, "cap", xv_nil());
	xv_struct_set(st, "", xv_str("empty key"));
	xv_struct_set(st, "a<&>b", xv_bool(true));
	inner = xv_struct();
	xv_struct_set(inner, "list", xv_copy(sxp));
	xv_struct_set(inner, "none", xv_struct());
	xv_struct_set(st, "inner", inner);
	round_trip(st);

	/* the deepest nesting the decoder accepts */
	deep = xv_str("bottom");
	for (i = 0; i < XMLRPC_MAX_DEPTH; i++)
		deep = xv_append(xv_list(), deep);
	round_trip(deep);

	xv_free(sxp);
	xv_free(st);
	xv_free(deep);
}

static void
test_int32_limits(void **state)
{
	struct xu_err err;
	struct xv *v = NULL;
	char *doc;

	doc = xmlrpc_encode_response(v = xv_int(2147483647));
	assert_non_null(strstr(doc, "<int>2147483647</int>"));
	free(doc);
	xv_free(v);
	doc = xmlrpc_encode_response(v = xv_int(-2147483647LL - 1));
	assert_non_null(strstr(doc, "<int>-2147483648</int>"));
	free(doc);
	xv_free(v);

	/* one past either end travels as a string */
	doc = xmlrpc_encode_response(v = xv_int(2147483648LL));
	assert_non_null(strstr(doc, "<string>2147483648</string>"));
	assert_null(strstr(doc, "<int>"));
	xv_free(v);
	assert_int_equal(decode_resp(doc, &v, &err), XU_OK);
	assert_int_equal(v->type, XV_STRING);
	assert_string_equal(xv_string(v), "2147483648");
	free(doc);
	xv_free(v);
	doc = xmlrpc_encode_response(v = xv_int(-2147483649LL));
	assert_non_null(strstr(doc, "<string>-2147483649</string>"));
	free(doc);
	xv_free(v);
	doc = xmlrpc_encode_response(v = xv_int(INT64_MIN));
	assert_non_null(strstr(doc, "<string>-9223372036854775808</string>"));
	free(doc);
	xv_free(v);

	/* and the decoder refuses <int>s a 32-bit peer could not send */
	assert_int_equal(decode_value_err("<int>2147483648</int>", &err),
	    XU_ERR_RANGE);
	assert_non_null(strstr(err.msg, "32-bit"));
	assert_int_equal(decode_value_err("<i4>-2147483649</i4>", &err),
	    XU_ERR_RANGE);
	assert_int_equal(decode_value_err("<int>99999999999999999999</int>",
	    &err), XU_ERR_RANGE);
	v = decode_value_ok("<int>-2147483648</int>");
	assert_true(v->type == XV_INT && v->u.i == -2147483647LL - 1);
	xv_free(v);
	v = decode_value_ok("<i8>2147483648</i8>");
	assert_true(v->type == XV_INT && v->u.i == 2147483648LL);
	xv_free(v);
	assert_int_equal(decode_value_err("<i8>9223372036854775808</i8>", &err),
	    XU_ERR_RANGE);
}

static void
test_faults(void **state)
{
	static const int codes[] = {
		XMLRPC_FAULT_INTERNAL, XMLRPC_FAULT_GENERIC,
		XMLRPC_FAULT_INVALID_DOMAIN,
	};
	struct xu_err err = { 0 };
	struct xv *v = NULL;
	char *doc, *fs = NULL;
	const char *xml;
	size_t i;
	int fc = 0;

	for (i = 0; i < 3; i++) {
		doc = xmlrpc_encode_fault(codes[i], "Domain 'web<1>' & co\n");
		assert_non_null(strstr(doc, "<fault>"));
		assert_int_equal(xmlrpc_decode_response(doc, strlen(doc), &v, &fc,
		    &fs, &err), XU_ERR_FAULT);
		assert_null(v);
		assert_int_equal(fc, codes[i]);
		assert_string_equal(fs, "Domain 'web<1>' & co\n");
		assert_int_equal(err.rc, XU_ERR_FAULT);
		free(fs);
		free(doc);
	}

	/* as Python's xmlrpclib writes one, extra members ignored */
	xml = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
	    "<member>\n<name>faultCode</name>\n<value><int>3</int></value>\n"
	    "</member>\n<member>\n<name>faultString</name>\n<value><string>"
	    "nosuchdomain</string></value>\n</member>\n<member><name>extra"
	    "</name><value><int>1</int></value></member>\n</struct></value>\n"
	    "</fault>\n</methodResponse>\n";
	assert_int_equal(xmlrpc_decode_response(xml, strlen(xml), &v, &fc, &fs,
	    &err), XU_ERR_FAULT);
	assert_int_equal(fc, XMLRPC_FAULT_INVALID_DOMAIN);
	assert_string_equal(fs, "nosuchdomain");
	free(fs);

	/* a fault without a faultString is malformed, not a fault */
	xml = "<methodResponse><fault><value><struct><member><name>faultCode"
	    "</name><value><int>2</int></value></member></struct></value>"
	    "</fault></methodResponse>";
	assert_int_equal(xmlrpc_decode_response(xml, strlen(xml), &v, &fc, &fs,
	    &err), XU_ERR_TYPE);
	assert_null(fs);
	xml = "<methodResponse><fault><value><struct><member><name>faultCode"
	    "</name><value><string>2</string></value></member><member><name>"
	    "faultString</name><value>x</value></member></struct></value>"
	    "</fault></methodResponse>";
	assert_int_equal(xmlrpc_decode_response(xml, strlen(xml), &v, &fc, &fs,
	    &err), XU_ERR_TYPE);
}

/* The illustrative exchange of reference 6.1. */
static void
test_set_memory_target(void **state)
{
	static const char req[] = "<?xml version='1.0'?><methodCall>"
	    "<methodName>xend.domain.setMemoryTarget</methodName><params><param>"
	    "<value><string>guest1</string></value></param><param><value><int>512"
	    "</int></value></param></params></methodCall>";
	static const char resp[] = "<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><nil/></value></param>\n</params>\n"
	    "</methodResponse>\n";
	struct xu_err err = { 0 };
	struct xv *params = NULL, *want, *v = NULL;
	char *method = NULL, *doc;

	assert_int_equal(xmlrpc_decode_call(req, sizeof(req) - 1, &method,
	    &params, &err), XU_OK);
	assert_string_equal(method, "xend.domain.setMemoryTarget");
	want = xv_append(xv_append(xv_list(), xv_str("guest1")), xv_int(512));
	assert_true(xv_equal(params, want));

	/* our encoding of the same call decodes to the same thing */
	doc = xmlrpc_encode_call(method, want);
	assert_non_null(strstr(doc, "<methodName>xend.domain.setMemoryTarget"
	    "</methodName>"));
	assert_non_null(strstr(doc, "<value><string>guest1</string></value>"));
	assert_non_null(strstr(doc, "<value><int>512</int></value>"));
	free(doc);

	assert_int_equal(decode_resp(resp, &v, &err), XU_OK);
	assert_int_equal(v->type, XV_NIL);
	doc = xmlrpc_encode_response(NULL);
	assert_non_null(strstr(doc, "<value><nil/></value>"));

	free(doc);
	free(method);
	xv_free(params);
	xv_free(want);
	xv_free(v);
}

static void
test_call_shapes(void **state)
{
	struct xu_err err = { 0 };
	struct xv *params = NULL, *one;
	char *method = NULL, *doc;

	/* no <params> at all is a call without arguments */
	doc = "<methodCall><methodName>xend.domains</methodName></methodCall>";
	assert_int_equal(xmlrpc_decode_call(doc, strlen(doc), &method, &params,
	    &err), XU_OK);
	assert_int_equal(params->type, XV_LIST);
	assert_int_equal(xv_len(params), 0);
	free(method);
	xv_free(params);

	/* NULL params encode as an empty <params/>; a non-list as one param */
	doc = xmlrpc_encode_call("xend.node.info", NULL);
	assert_int_equal(xmlrpc_decode_call(doc, strlen(doc), &method, &params,
	    &err), XU_OK);
	assert_int_equal(xv_len(params), 0);
	free(doc);
	free(method);
	xv_free(params);
	doc = xmlrpc_encode_call("xend.domain", one = xv_str("guest1"));
	assert_int_equal(xmlrpc_decode_call(doc, strlen(doc), &method, &params,
	    &err), XU_OK);
	assert_int_equal(xv_len(params), 1);
	assert_true(xv_equal(xv_at(params, 0), one));
	free(doc);
	free(method);
	xv_free(params);
	xv_free(one);
}

/* What other peers send: Python's layout, untyped strings, CDATA,
 * comments, base64, dateTime, <ex:nil/>. */
static void
test_peer_documents(void **state)
{
	static const char py[] = "<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><array><data>\n<value><string>domain"
	    "</string></value>\n<value><array><data>\n<value><string>domid"
	    "</string></value>\n<value><int>0</int></value>\n</data></array>"
	    "</value>\n<value><array><data>\n<value><string>cpu_time</string>"
	    "</value>\n<value><double>1234.5</double></value>\n</data></array>"
	    "</value>\n</data></array></value>\n</param>\n</params>\n"
	    "</methodResponse>\n";
	struct xu_err err;
	struct xv *v;

	assert_int_equal(decode_resp(py, &v, &err), XU_OK);
	assert_string_equal(xv_name(v), "domain");
	assert_int_equal(xv_child_value(v, "domid")->u.i, 0);
	assert_true(xv_child_value(v, "cpu_time")->u.d == 1234.5);
	xv_free(v);

	v = decode_value_ok("guest1");
	assert_string_equal(xv_string(v), "guest1");
	xv_free(v);
	v = decode_value_ok("  spaced  ");
	assert_string_equal(xv_string(v), "  spaced  ");
	xv_free(v);
	v = decode_value_ok("");
	assert_true(xv_is_string(v) && v->u.str.len == 0);
	xv_free(v);
	v = decode_value_ok("<string/>");
	assert_true(xv_is_string(v) && v->u.str.len == 0);
	xv_free(v);
	v = decode_value_ok("\n  <int> 42 </int>\n  <!-- the answer -->\n");
	assert_true(v->type == XV_INT && v->u.i == 42);
	xv_free(v);
	v = decode_value_ok("<string>a<![CDATA[<b>&]]>c &amp; &#x41;&#13;</string>");
	assert_string_equal(xv_string(v), "a<b>&c & A\r");
	xv_free(v);
	v = decode_value_ok("<base64>aGVs\nbG8A\nd29y bGQ=</base64>");
	assert_int_equal(v->u.str.len, 11);
	assert_memory_equal(v->u.str.s, "hello\0world", 11);
	xv_free(v);
	v = decode_value_ok("<base64>YQ</base64>");
	assert_string_equal(xv_string(v), "a");
	xv_free(v);
	v = decode_value_ok("<dateTime.iso8601>20240102T03:04:05"
	    "</dateTime.iso8601>");
	assert_string_equal(xv_string(v), "20240102T03:04:05");
	xv_free(v);
	v = decode_value_ok("<ex:nil xmlns:ex='http://ws.apache.org/xmlrpc/"
	    "namespaces/extensions'/>");
	assert_int_equal(v->type, XV_NIL);
	xv_free(v);
	v = decode_value_ok("<boolean>1</boolean>");
	assert_true(v->type == XV_BOOL && v->u.b);
	xv_free(v);
	v = decode_value_ok("<double>-1.5E+3</double>");
	assert_true(v->type == XV_DOUBLE && v->u.d == -1500.0);
	xv_free(v);
	v = decode_value_ok("<double>nan</double>");
	assert_true(v->type == XV_DOUBLE && isnan(v->u.d));
	xv_free(v);
	v = decode_value_ok("<struct><member><value><int>1</int></value><name>k"
	    "</name></member><member><name>k</name><value><int>2</int></value>"
	    "</member></struct>");
	assert_int_equal(v->u.st.n, 1);
	assert_int_equal(xv_struct_get(v, "k")->u.i, 2);
	xv_free(v);
	v = decode_value_ok("<?xml-stylesheet href='x'?><array><data/></array>");
	assert_true(xv_is_list(v) && xv_len(v) == 0);
	xv_free(v);
	v = decode_value_ok("<struct>\n</struct>");
	assert_true(v->type == XV_STRUCT && v->u.st.n == 0);
	xv_free(v);

	/* ISO-8859-1 documents are read as such and come out as UTF-8 */
	assert_int_equal(decode_resp("<?xml version='1.0' encoding='ISO-8859-1'?>"
	    "<methodResponse><params><param><value>caf\xe9</value></param>"
	    "</params></methodResponse>", &v, &err), XU_OK);
	assert_string_equal(xv_string(v), "caf\xc3\xa9");
	xv_free(v);
}

/* Bytes XML cannot carry still give a document every peer can parse. */
static void
test_unencodable_strings(void **state)
{
	static const char raw[] = "ok\x01\x00\xff\xc3(\xed\xa0\x80\xef\xbf\xbe!";
	struct xu_err err;
	struct xv *v, *st;
	char *doc;

	st = xv_struct();
	xv_struct_set(st, "bad\x02key", xv_strn(raw, sizeof(raw) - 1));
	doc = xmlrpc_encode_response(st);
	assert_int_equal(decode_resp(doc, &v, &err), XU_OK);
	assert_non_null(xv_struct_get(v, "bad\xef\xbf\xbdkey"));
	assert_string_equal(xv_string(xv_struct_get(v, "bad\xef\xbf\xbdkey")),
	    "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	free(doc);
	xv_free(v);
	xv_free(st);

	doc = xmlrpc_encode_call("bad\xff name", NULL);
	assert_non_null(strstr(doc, "<methodName>bad\xef\xbf\xbd name"));
	free(doc);
}

static void
test_reject_documents(void **state)
{
	static const char nul[] = "<methodCall><methodName>x</methodName>"
	    "</methodCall>\0junk";
	struct xu_err err;
	struct xv *v = NULL;
	char *big, *m = NULL;

	/* oversize is refused before parsing */
	big = xu_malloc(XMLRPC_MAX_BODY + 2);
	memset(big, ' ', XMLRPC_MAX_BODY + 1);
	big[XMLRPC_MAX_BODY + 1] = '\0';
	memcpy(big, "<methodCall>", 12);
	assert_int_equal(xmlrpc_decode_call(big, XMLRPC_MAX_BODY + 1, &m, &v,
	    &err), XU_ERR_TOO_BIG);
	free(big);

	assert_int_equal(decode_call_err("", &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("hello", &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("{\"method\": \"x\"}", &err),
	    XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("<methodCall><methodName>x"
	    "</methodName>", &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("<methodCall><methodName>x"
	    "</methodName><params/></methodCall>trailing", &err),
	    XU_ERR_SYNTAX);
	/* a NUL would end libxml2's input and hide the junk after it */
	assert_int_equal(xmlrpc_decode_call(nul, sizeof(nul) - 1, &m, &v, &err),
	    XU_ERR_SYNTAX);

	/* wrong root for each decoder */
	assert_int_equal(decode_call_err("<methodResponse><params/>"
	    "</methodResponse>", &err), XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "expected <methodCall>"));
	assert_int_equal(decode_resp("<methodCall><methodName>x</methodName>"
	    "</methodCall>", &v, &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_resp("<methodResponse/>", &v, &err),
	    XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "<params> or <fault>"));

	/* methodName missing, doubled, out of order or invalid */
	assert_int_equal(decode_call_err("<methodCall><params/></methodCall>",
	    &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("<methodCall></methodCall>", &err),
	    XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "expected <methodName>"));
	assert_int_equal(decode_call_err("<methodCall><methodName>a</methodName>"
	    "<methodName>b</methodName></methodCall>", &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_call_err("<methodCall><methodName></methodName>"
	    "</methodCall>", &err), XU_ERR_INVALID);
	assert_int_equal(decode_call_err("<methodCall><methodName>a b"
	    "</methodName></methodCall>", &err), XU_ERR_INVALID);
	assert_int_equal(decode_call_err("<methodCall><methodName>a<b/>"
	    "</methodName></methodCall>", &err), XU_ERR_SYNTAX);

	/* responses carry exactly one param */
	assert_int_equal(decode_resp("<methodResponse><params/>"
	    "</methodResponse>", &v, &err), XU_ERR_SYNTAX);
	assert_int_equal(decode_resp("<methodResponse><params><param><value>a"
	    "</value></param><param><value>b</value></param></params>"
	    "</methodResponse>", &v, &err), XU_ERR_SYNTAX);
	assert_null(v);
}

static void
test_reject_values(void **state)
{
	static const struct {
		const char *frag;
		int rc;
		const char *msg;
	} bad[] = {
		{ "<int>12a</int>", XU_ERR_SYNTAX, "bad integer '12a' in <int>" },
		{ "<int></int>", XU_ERR_SYNTAX, "bad integer" },
		{ "<int>0x10</int>", XU_ERR_SYNTAX, "bad integer" },
		{ "<int>1 2</int>", XU_ERR_SYNTAX, "bad integer" },
		{ "<i4>--1</i4>", XU_ERR_SYNTAX, "bad integer" },
		{ "<boolean>true</boolean>", XU_ERR_SYNTAX, "expected 0 or 1" },
		{ "<boolean>2</boolean>", XU_ERR_SYNTAX, "expected 0 or 1" },
		{ "<double>1,5</double>", XU_ERR_SYNTAX, "bad double" },
		{ "<double>0x1p3</double>", XU_ERR_SYNTAX, "bad double" },
		{ "<double>.</double>", XU_ERR_SYNTAX, "bad double" },
		{ "<double>1e</double>", XU_ERR_SYNTAX, "bad double" },
		{ "<double>1e999</double>", XU_ERR_RANGE, "out of range" },
		{ "<base64>a</base64>", XU_ERR_SYNTAX, "bad base64" },
		{ "<base64>YQ=x</base64>", XU_ERR_SYNTAX, "bad base64" },
		{ "<base64>Y*==</base64>", XU_ERR_SYNTAX, "bad base64" },
		{ "<nil>x</nil>", XU_ERR_SYNTAX, "in <nil>" },
		{ "<float>1</float>", XU_ERR_TYPE, "unknown type <float>" },
		{ "<int>1</int><int>2</int>", XU_ERR_SYNTAX, "unexpected <int> in <value>" },
		{ "text<int>1</int>", XU_ERR_SYNTAX, "unexpected text in <value>" },
		{ "<string><b>x</b></string>", XU_ERR_SYNTAX, "unexpected <b> in <string>" },
		{ "<array><value>1</value></array>", XU_ERR_SYNTAX, "expected <data> in <array>" },
		{ "<array><data/><data/></array>", XU_ERR_SYNTAX, "unexpected <data> in <array>" },
		{ "<array><data><int>1</int></data></array>", XU_ERR_SYNTAX, "unexpected <int> in <data>" },
		{ "<array><data>x</data></array>", XU_ERR_SYNTAX, "unexpected text in <data>" },
		{ "<struct><value/></struct>", XU_ERR_SYNTAX, "unexpected <value> in <struct>" },
		{ "<struct><member><name>a</name></member></struct>", XU_ERR_SYNTAX, "expected <value> in <member>" },
		{ "<struct><member><value/></member></struct>", XU_ERR_SYNTAX, "expected <name> in <member>" },
		{ "<struct><member><name>a</name><name>b</name><value/></member></struct>",
		    XU_ERR_SYNTAX, "unexpected <name> in <member>" },
		{ "<struct><member><name>a</name><value><int>x</int></value></member></struct>",
		    XU_ERR_SYNTAX, "bad integer" },
	};
	struct xu_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode_value_err(bad[i].frag, &err) != bad[i].rc ||
		    strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("%s: got rc %d \"%s\", want %d \"%s\"", bad[i].frag,
			    err.rc, err.msg, bad[i].rc, bad[i].msg);
	}
}

static char *
nested_arrays(int n)
{
	struct xu_buf b;
	int i;

	xu_buf_init(&b);
	xu_buf_adds(&b, "<methodResponse><params><param><value>");
	for (i = 0; i < n; i++)
		xu_buf_adds(&b, "<array><data><value>");
	for (i = 0; i < n; i++)
		xu_buf_adds(&b, "</value></data></array>");
	xu_buf_adds(&b, "</value></param></params></methodResponse>");
	return xu_buf_steal(&b);
}

static void
test_reject_deep(void **state)
{
	struct xu_err err;
	struct xv *v = NULL;
	char *doc;

	doc = nested_arrays(XMLRPC_MAX_DEPTH);
	assert_int_equal(decode_resp(doc, &v, &err), XU_OK);
	xv_free(v);
	free(doc);
	doc = nested_arrays(XMLRPC_MAX_DEPTH + 1);
	assert_int_equal(decode_resp(doc, &v, &err), XU_ERR_TOO_BIG);
	assert_non_null(strstr(err.msg, "nested deeper than 64"));
	free(doc);
	/* deeper than libxml2's own limit, still a clean size error */
	doc = nested_arrays(1000);
	assert_int_equal(decode_resp(doc, &v, &err), XU_ERR_TOO_BIG);
	assert_null(v);
	free(doc);
}

/* No DTD, so no entity can ever be declared, let alone expanded. */
static void
test_reject_doctype(void **state)
{
	static const char *docs[] = {
		"<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
		"<!ENTITY lol \"lol\">\n"
		"<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		"<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		"]>\n<methodResponse><params><param><value>&lol4;</value></param>"
		"</params></methodResponse>",
		"<!DOCTYPE methodResponse SYSTEM \"file:///etc/passwd\">"
		"<methodResponse><params><param><value>x</value></param></params>"
		"</methodResponse>",
		"<!DOCTYPE m [<!ENTITY x SYSTEM \"http://example.invalid/\">]>"
		"<methodResponse><params><param><value>&x;</value></param>"
		"</params></methodResponse>",
		"<!DOCTYPE methodResponse><methodResponse/>",
	};
	struct xu_err err;
	struct xv *v = NULL;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(decode_resp(docs[i], &v, &err),
		    XU_ERR_UNSUPPORTED);
		assert_non_null(strstr(err.msg, "DOCTYPE not allowed"));
		assert_null(v);
	}
	assert_int_equal(err.line, 1);
	assert_int_equal(decode_resp(docs[0], &v, &err), XU_ERR_UNSUPPORTED);
	assert_int_equal(err.line, 2);

	/* an undeclared entity is a plain syntax error */
	assert_int_equal(decode_value_err("&lol;", &err), XU_ERR_SYNTAX);
	assert_non_null(strstr(err.msg, "lol"));
}

static void
test_error_lines(void **state)
{
	static const char call[] = "<?xml version='1.0'?>\n<methodCall>\n"
	    "<methodName>xend.domain.setMemoryTarget</methodName>\n<params>\n"
	    "<param>\n<value><string>guest1</string></value>\n</param>\n"
	    "<param>\n<string>512</string>\n</param>\n</params>\n</methodCall>\n";
	static const char resp[] = "<?xml version='1.0'?>\n<methodResponse>\n"
	    "<params>\n<param>\n<value><array><data>\n<value><int>1</int></value>\n"
	    "<value><int>two</int></value>\n</data></array></value>\n</param>\n"
	    "</params>\n</methodResponse>\n";
	static const char broken[] = "<methodResponse>\n<params>\n<param>\n"
	    "<value></param>\n";
	struct xu_err err;
	struct xv *v = NULL;

	assert_int_equal(decode_call_err(call, &err), XU_ERR_SYNTAX);
	assert_string_equal(err.msg, "expected <value> in <param> at line 9");
	assert_int_equal(err.line, 9);

	assert_int_equal(decode_resp(resp, &v, &err), XU_ERR_SYNTAX);
	assert_string_equal(err.msg, "bad integer 'two' in <int> at line 7");
	assert_int_equal(err.line, 7);

	assert_int_equal(decode_resp(broken, &v, &err), XU_ERR_SYNTAX);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.msg, "XML error at line 4: "));
	assert_non_null(strstr(err.msg, "mismatch"));
}

/* A library never prints: libxml2's complaints end up in xu_err only. */
static void
test_silent(void **state)
{
	struct xu_err err;
	struct xv *v = NULL;
	char buf[64];
	int fd, saved;
	ssize_t n;
	FILE *tmp;

	tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	decode_resp("<methodResponse><params>\xff</params></methodResponse>", &v,
	    &err);
	decode_resp("<?xml version='1.0' encoding='nope'?><methodResponse/>", &v,
	    &err);
	decode_resp("<a:b><c:d>&e;</c:d></a:b>", &v, &err);
	decode_resp("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", &v, &err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = fileno(tmp);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	fclose(tmp);
	if (n > 0) {
		buf[n] = '\0';
		fail_msg("printed to stderr: %s", buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_int32_limits),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_set_memory_target),
		cmocka_unit_test(test_call_shapes),
		cmocka_unit_test(test_peer_documents),
		cmocka_unit_test(test_unencodable_strings),
		cmocka_unit_test(test_reject_documents),
		cmocka_unit_test(test_reject_values),
		cmocka_unit_test(test_reject_deep),
		cmocka_unit_test(test_reject_doctype),
		cmocka_unit_test(test_error_lines),
		cmocka_unit_test(test_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
