/* xmlrpc.c: XML-RPC calls, responses and faults to and from xv values, on
 * libxml2 (a DOM read that refuses DTDs; output through xmlTextWriter). */
#include "xmlrpc.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

/*
 * Strings: the classic server sent a top-level string result in Python's
 * repr() form (reference 6.1, "string escaping quirk"). We do not: every
 * string travels as plain <string> text, at any depth.
 *
 * XML 1.0 cannot carry every byte string: invalid UTF-8, NUL and the
 * control characters XML forbids (even as &#N;) have no representation.
 * Encoders cannot fail, so each such byte or character is replaced by
 * U+FFFD; what arrives is always a well-formed document. Base64 is never
 * used for sending, only understood when received.
 */

#define INT32_LO	(-2147483647LL - 1)
#define INT32_HI	2147483647LL

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static locale_t c_numeric;	/* "C" numbers whatever the caller's locale */

static void
init_libxml(void)
{
	xmlInitParser();
	c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static void
init(void)
{
	pthread_once(&init_once, init_libxml);
}

/*
 * libxml2 reports through per-thread global handlers that print by
 * default. While we call it, errors go to our collector and the generic
 * channel to nowhere; the caller's handlers are put back afterwards.
 */
struct parse_state {
	bool		 failed;	/* an error (not a warning) was seen */
	bool		 fatal;		/* ... and it was a fatal one */
	bool		 doctype;
	int		 line;
	char		 msg[160];
};

struct quiet {
	xmlStructuredErrorFunc	 serror;
	void			*sctx;
	xmlGenericErrorFunc	 gerror;
	void			*gctx;
};

static void
ignore_error(void *ctx, const char *fmt, ...)
{
}

static void
collect_error(void *ctx, xmlErrorPtr e)
{
	struct parse_state *ps = ctx;
	size_t n;

	/* keep the first error, unless a fatal one (the cause) follows */
	if (ps == NULL || e == NULL || e->level < XML_ERR_ERROR || ps->fatal ||
	    (ps->failed && e->level != XML_ERR_FATAL))
		return;
	ps->failed = true;
	ps->fatal = e->level == XML_ERR_FATAL;
	ps->line = e->line;
	snprintf(ps->msg, sizeof(ps->msg), "%s",
	    e->message ? e->message : "unknown error");
	for (n = 0; ps->msg[n] != '\0'; n++)
		if (ps->msg[n] == '\n')
			ps->msg[n] = ' ';
	while (n > 0 && (ps->msg[n - 1] == '\n' || ps->msg[n - 1] == ' '))
		ps->msg[--n] = '\0';
}

static void
quiet_begin(struct quiet *q, struct parse_state *ps)
{
	q->serror = xmlStructuredError;
	q->sctx = xmlStructuredErrorContext;
	q->gerror = xmlGenericError;
	q->gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(ps, collect_error);
	xmlSetGenericErrorFunc(NULL, ignore_error);
}

static void
quiet_end(struct quiet *q)
{
	xmlSetStructuredErrorFunc(q->sctx, q->serror);
	xmlSetGenericErrorFunc(q->gctx, q->gerror);
}

/* Encoding. */

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length and
 * sets *cp, or 0 when the bytes are not valid UTF-8 (overlong forms and
 * surrogates included). */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c, min;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool
xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd ||
	    (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	    (c >= 0x10000 && c <= 0x10ffff);
}

/* A copy of s that XML 1.0 can carry (see the comment at the top). */
static char *
xml_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct xu_buf b;
	unsigned long cp;
	size_t i = 0, n;

	xu_buf_init(&b);
	xu_buf_add(&b, "", 0);
	while (i < len) {
		n = utf8_next(p + i, len - i, &cp);
		if (n == 0 || !xml_char(cp)) {
			xu_buf_adds(&b, "\xef\xbf\xbd");
			i += n ? n : 1;
			continue;
		}
		xu_buf_add(&b, p + i, n);
		i += n;
	}
	return xu_buf_steal(&b);
}

/* strtod in the "C" locale; *e is its errno. */
static double
c_strtod(const char *s, int *e)
{
	locale_t old = (locale_t)0;
	double v;

	if (c_numeric != (locale_t)0)
		old = uselocale(c_numeric);
	errno = 0;
	v = strtod(s, NULL);
	*e = errno;
	if (old != (locale_t)0)
		uselocale(old);
	return v;
}

/* Shortest text that reads back as the same double, in the "C" locale;
 * non-finite values as Python's xmlrpclib wrote them. */
static void
format_double(char *buf, size_t size, double d)
{
	locale_t old = (locale_t)0;
	int prec;

	if (isnan(d)) {
		snprintf(buf, size, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	if (c_numeric != (locale_t)0)
		old = uselocale(c_numeric);
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", d);
	if (old != (locale_t)0)
		uselocale(old);
}

struct enc {
	xmlTextWriterPtr	 w;
	bool			 failed;
};

static void
check(struct enc *e, int r)
{
	if (r < 0)
		e->failed = true;
}

static void
put_text_element(struct enc *e, const char *name, const char *s, size_t len)
{
	char *t = xml_text(s, len);

	check(e, xmlTextWriterStartElement(e->w, BAD_CAST name));
	check(e, xmlTextWriterWriteString(e->w, BAD_CAST t));
	/* <string></string>, not <string/>: some old peers want the pair. */
	check(e, xmlTextWriterFullEndElement(e->w));
	free(t);
}

static void put_value(struct enc *, const struct xv *);

static void
put_scalar(struct enc *e, const struct xv *v)
{
	char num[64];

	switch (v->type) {
	case XV_BOOL:
		check(e, xmlTextWriterWriteElement(e->w, BAD_CAST "boolean",
		    BAD_CAST (v->u.b ? "1" : "0")));
		break;
	case XV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)v->u.i);
		/* XML-RPC <int> is 32-bit; Python 2 refused larger ones. */
		if (v->u.i < INT32_LO || v->u.i > INT32_HI)
			put_text_element(e, "string", num, strlen(num));
		else
			check(e, xmlTextWriterWriteElement(e->w, BAD_CAST "int",
			    BAD_CAST num));
		break;
	case XV_DOUBLE:
		format_double(num, sizeof(num), v->u.d);
		check(e, xmlTextWriterWriteElement(e->w, BAD_CAST "double",
		    BAD_CAST num));
		break;
	case XV_STRING:
		put_text_element(e, "string", v->u.str.s, v->u.str.len);
		break;
	default:
		check(e, xmlTextWriterStartElement(e->w, BAD_CAST "nil"));
		check(e, xmlTextWriterEndElement(e->w));
		break;
	}
}

static void
put_value(struct enc *e, const struct xv *v)
{
	size_t i;

	check(e, xmlTextWriterStartElement(e->w, BAD_CAST "value"));
	if (v != NULL && v->type == XV_LIST) {
		check(e, xmlTextWriterStartElement(e->w, BAD_CAST "array"));
		check(e, xmlTextWriterStartElement(e->w, BAD_CAST "data"));
		for (i = 0; i < v->u.list.n; i++)
			put_value(e, v->u.list.items[i]);
		check(e, xmlTextWriterEndElement(e->w));
		check(e, xmlTextWriterEndElement(e->w));
	} else if (v != NULL && v->type == XV_STRUCT) {
		check(e, xmlTextWriterStartElement(e->w, BAD_CAST "struct"));
		for (i = 0; i < v->u.st.n; i++) {
			const struct xv_member *m = &v->u.st.members[i];

			check(e, xmlTextWriterStartElement(e->w,
			    BAD_CAST "member"));
			put_text_element(e, "name", m->key, strlen(m->key));
			put_value(e, m->val);
			check(e, xmlTextWriterEndElement(e->w));
		}
		check(e, xmlTextWriterEndElement(e->w));
	} else if (v == NULL)
		put_scalar(e, &(struct xv){ .type = XV_NIL });
	else
		put_scalar(e, v);
	check(e, xmlTextWriterEndElement(e->w));
}

static void
put_param(struct enc *e, const struct xv *v)
{
	check(e, xmlTextWriterStartElement(e->w, BAD_CAST "param"));
	put_value(e, v);
	check(e, xmlTextWriterEndElement(e->w));
}

enum doc_kind { DOC_CALL, DOC_RESPONSE, DOC_FAULT };

/* One writer for the three document shapes, so the framing is in one
 * place. NULL only when libxml2 cannot allocate. */
static char *
encode(enum doc_kind kind, const char *method, const struct xv *v)
{
	struct parse_state ps = { 0 };
	struct quiet q;
	struct enc e = { NULL, false };
	xmlBufferPtr buf;
	char *doc = NULL;
	size_t i;

	init();
	quiet_begin(&q, &ps);
	buf = xmlBufferCreate();
	if (buf == NULL)
		goto out;
	/* libxml2's default grows a buffer to the exact size each time: a
	 * copy of the whole document per write, quadratic in its size (a
	 * listing of 500 domains took seconds); doubling makes it linear */
	xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	e.w = xmlNewTextWriterMemory(buf, 0);
	if (e.w == NULL)
		goto out;
	check(&e, xmlTextWriterStartDocument(e.w, NULL, NULL, NULL));
	switch (kind) {
	case DOC_CALL:
		check(&e, xmlTextWriterStartElement(e.w, BAD_CAST "methodCall"));
		put_text_element(&e, "methodName", method, strlen(method));
		check(&e, xmlTextWriterStartElement(e.w, BAD_CAST "params"));
		if (v != NULL && v->type == XV_LIST) {
			for (i = 0; i < v->u.list.n; i++)
				put_param(&e, v->u.list.items[i]);
		} else if (v != NULL)
			put_param(&e, v);
		check(&e, xmlTextWriterEndElement(e.w));
		break;
	case DOC_RESPONSE:
		check(&e, xmlTextWriterStartElement(e.w,
		    BAD_CAST "methodResponse"));
		check(&e, xmlTextWriterStartElement(e.w, BAD_CAST "params"));
		put_param(&e, v);
		check(&e, xmlTextWriterEndElement(e.w));
		break;
	case DOC_FAULT:
		check(&e, xmlTextWriterStartElement(e.w,
		    BAD_CAST "methodResponse"));
		check(&e, xmlTextWriterStartElement(e.w, BAD_CAST "fault"));
		put_value(&e, v);
		check(&e, xmlTextWriterEndElement(e.w));
		break;
	}
	check(&e, xmlTextWriterEndDocument(e.w));
	xmlFreeTextWriter(e.w);		/* flushes into buf */
	e.w = NULL;
	if (!e.failed)
		doc = xu_strndup((const char *)xmlBufferContent(buf),
		    (size_t)xmlBufferLength(buf));
out:
	if (e.w != NULL)
		xmlFreeTextWriter(e.w);
	if (buf != NULL)
		xmlBufferFree(buf);
	quiet_end(&q);
	return doc;
}

char *
xmlrpc_encode_call(const char *method, const struct xv *params)
{
	return encode(DOC_CALL, method ? method : "", params);
}

char *
xmlrpc_encode_response(const struct xv *result)
{
	return encode(DOC_RESPONSE, NULL, result);
}

char *
xmlrpc_encode_fault(int code, const char *message)
{
	struct xv *st = xv_struct();
	char *doc;

	xv_struct_set(st, "faultCode", xv_int(code));
	xv_struct_set(st, "faultString", xv_str(message ? message : ""));
	doc = encode(DOC_FAULT, NULL, st);
	xv_free(st);
	return doc;
}

/* Decoding. */

struct dec {
	struct xu_err	*err;
	int		 depth;		/* arrays and structs open */
};

static int
line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

/* Element names compare without a namespace prefix (<ex:nil/>, <ex:i8>
 * from Apache-style peers), as Python's xmlrpc does. */
static const char *
lname(const xmlNode *n)
{
	const char *name = (const char *)n->name;
	const char *colon = strrchr(name, ':');

	return colon ? colon + 1 : name;
}

static bool
is_named(const xmlNode *n, const char *name)
{
	return strcmp(lname(n), name) == 0;
}

static bool
xml_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!xml_space((unsigned char)*s))
			return false;
	return true;
}

static bool
is_text(const xmlNode *n)
{
	return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

static bool
is_ignorable(const xmlNode *n)
{
	return n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE;
}

/* Finds the first element among from and its following siblings, which
 * may only be comments, processing instructions and whitespace. */
static int
element_from(struct dec *d, const xmlNode *parent, const xmlNode *from,
    xmlNode **out)
{
	const xmlNode *n;

	*out = NULL;
	for (n = from; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			*out = (xmlNode *)n;
			return XU_OK;
		}
		if (is_ignorable(n))
			continue;
		if (is_text(n) && blank((const char *)n->content))
			continue;
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(n),
		    "unexpected %s in <%s> at line %d",
		    is_text(n) ? "text" : "content", lname(parent), line_of(n));
		return XU_ERR_SYNTAX;
	}
	return XU_OK;
}

/* The single element child of parent, named want (NULL: any name). */
static int
only_element(struct dec *d, const xmlNode *parent, const char *want,
    xmlNode **out)
{
	xmlNode *c, *extra;
	int rc;

	if ((rc = element_from(d, parent, parent->children, &c)) != XU_OK)
		return rc;
	if (c == NULL || (want != NULL && !is_named(c, want))) {
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(c ? c : parent),
		    "expected <%s> in <%s> at line %d", want ? want : "element",
		    lname(parent), line_of(c ? c : parent));
		return XU_ERR_SYNTAX;
	}
	if ((rc = element_from(d, parent, c->next, &extra)) != XU_OK)
		return rc;
	if (extra != NULL) {
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(extra),
		    "unexpected <%s> in <%s> at line %d", lname(extra),
		    lname(parent), line_of(extra));
		return XU_ERR_SYNTAX;
	}
	*out = c;
	return XU_OK;
}

static int
unexpected(struct dec *d, const xmlNode *n, const xmlNode *parent)
{
	xu_err_set(d->err, XU_ERR_SYNTAX, line_of(n),
	    "unexpected <%s> in <%s> at line %d", lname(n), lname(parent),
	    line_of(n));
	return XU_ERR_SYNTAX;
}

/* The text of an element that may hold only text (and comments). */
static int
text_of(struct dec *d, const xmlNode *el, struct xu_buf *b)
{
	const xmlNode *n;

	xu_buf_init(b);
	xu_buf_add(b, "", 0);
	for (n = el->children; n != NULL; n = n->next) {
		if (is_text(n))
			xu_buf_adds(b, (const char *)n->content);
		else if (n->type == XML_ELEMENT_NODE) {
			xu_buf_dispose(b);
			return unexpected(d, n, el);
		} else if (!is_ignorable(n)) {
			xu_buf_dispose(b);
			xu_err_set(d->err, XU_ERR_SYNTAX, line_of(n),
			    "unexpected content in <%s> at line %d", lname(el),
			    line_of(n));
			return XU_ERR_SYNTAX;
		}
	}
	return XU_OK;
}

/* Text with XML whitespace trimmed at both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (xml_space((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && xml_space((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int
parse_int(struct dec *d, const xmlNode *el, const char *s, int64_t lo,
    int64_t hi, int64_t *out)
{
	const char *p = s;
	int64_t v;
	int rc;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(el),
		    "bad integer '%.40s' in <%s> at line %d", s, lname(el),
		    line_of(el));
		return XU_ERR_SYNTAX;
	}
	rc = xu_parse_int64(s, &v);
	if (rc == XU_ERR_RANGE || (rc == XU_OK && (v < lo || v > hi))) {
		xu_err_set(d->err, XU_ERR_RANGE, line_of(el),
		    "integer %.40s out of %d-bit range in <%s> at line %d", s,
		    hi == INT32_HI ? 32 : 64, lname(el), line_of(el));
		return XU_ERR_RANGE;
	}
	if (rc != XU_OK) {
		xu_err_set(d->err, rc, line_of(el),
		    "bad integer '%.40s' in <%s> at line %d", s, lname(el),
		    line_of(el));
		return rc;
	}
	*out = v;
	return XU_OK;
}

/* Decimal with optional exponent, or inf/infinity/nan as Python writes
 * them; not strtod's hex forms or nan(...) payloads. */
static bool
double_syntax(const char *s)
{
	size_t digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0 ||
	    strcasecmp(s, "nan") == 0)
		return true;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (digits == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static int
parse_double(struct dec *d, const xmlNode *el, const char *s, double *out)
{
	double v;
	int e;

	if (!double_syntax(s)) {
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(el),
		    "bad double '%.40s' at line %d", s, line_of(el));
		return XU_ERR_SYNTAX;
	}
	v = c_strtod(s, &e);
	if (e == ERANGE && isinf(v)) {
		xu_err_set(d->err, XU_ERR_RANGE, line_of(el),
		    "double %.40s out of range at line %d", s, line_of(el));
		return XU_ERR_RANGE;
	}
	*out = v;
	return XU_OK;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 with whitespace anywhere and padding optional. */
static int
parse_base64(struct dec *d, const xmlNode *el, const char *s,
    struct xu_buf *out)
{
	unsigned long acc = 0;
	size_t data = 0, pad = 0;
	int bits = 0, v;

	xu_buf_init(out);
	xu_buf_add(out, "", 0);
	for (; *s != '\0'; s++) {
		if (xml_space((unsigned char)*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64_value((unsigned char)*s);
		if (v < 0 || pad > 0)
			goto bad;
		data++;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			xu_buf_addc(out, (char)(acc >> bits & 0xff));
		}
	}
	if (data % 4 == 1 || (pad > 0 && (data + pad) % 4 != 0) || pad > 2)
		goto bad;
	return XU_OK;
bad:
	xu_buf_dispose(out);
	xu_err_set(d->err, XU_ERR_SYNTAX, line_of(el),
	    "bad base64 data at line %d", line_of(el));
	return XU_ERR_SYNTAX;
}

static int decode_value(struct dec *, const xmlNode *, struct xv **);

static int
enter(struct dec *d, const xmlNode *el)
{
	if (++d->depth > XMLRPC_MAX_DEPTH) {
		xu_err_set(d->err, XU_ERR_TOO_BIG, line_of(el),
		    "arrays and structs nested deeper than %d at line %d",
		    XMLRPC_MAX_DEPTH, line_of(el));
		return XU_ERR_TOO_BIG;
	}
	return XU_OK;
}

static int
decode_array(struct dec *d, const xmlNode *el, struct xv **out)
{
	struct xv *list = NULL, *item;
	xmlNode *data, *c;
	int rc;

	if ((rc = enter(d, el)) != XU_OK)
		goto out;
	if ((rc = only_element(d, el, "data", &data)) != XU_OK)
		goto out;
	list = xv_list();
	rc = element_from(d, data, data->children, &c);
	while (rc == XU_OK && c != NULL) {
		if (!is_named(c, "value")) {
			rc = unexpected(d, c, data);
			break;
		}
		if ((rc = decode_value(d, c, &item)) != XU_OK)
			break;
		xv_append(list, item);
		rc = element_from(d, data, c->next, &c);
	}
out:
	d->depth--;
	if (rc != XU_OK) {
		xv_free(list);
		list = NULL;
	}
	*out = list;
	return rc;
}

static int
decode_member(struct dec *d, const xmlNode *m, struct xv *st)
{
	xmlNode *c, *name = NULL, *value = NULL;
	struct xu_buf key;
	struct xv *v;
	int rc;

	rc = element_from(d, m, m->children, &c);
	for (; rc == XU_OK && c != NULL; rc = element_from(d, m, c->next, &c)) {
		if (is_named(c, "name") && name == NULL)
			name = c;
		else if (is_named(c, "value") && value == NULL)
			value = c;
		else
			return unexpected(d, c, m);
	}
	if (rc != XU_OK)
		return rc;
	if (name == NULL || value == NULL) {
		xu_err_set(d->err, XU_ERR_SYNTAX, line_of(m),
		    "expected <%s> in <member> at line %d",
		    name == NULL ? "name" : "value", line_of(m));
		return XU_ERR_SYNTAX;
	}
	if ((rc = text_of(d, name, &key)) != XU_OK)
		return rc;
	if ((rc = decode_value(d, value, &v)) == XU_OK)
		xv_struct_set(st, key.data, v);	/* a repeated name: last wins */
	xu_buf_dispose(&key);
	return rc;
}

static int
decode_struct(struct dec *d, const xmlNode *el, struct xv **out)
{
	struct xv *st = xv_struct();
	xmlNode *c;
	int rc;

	if ((rc = enter(d, el)) != XU_OK)
		goto out;
	rc = element_from(d, el, el->children, &c);
	for (; rc == XU_OK && c != NULL; rc = element_from(d, el, c->next, &c)) {
		if (!is_named(c, "member")) {
			rc = unexpected(d, c, el);
			break;
		}
		if ((rc = decode_member(d, c, st)) != XU_OK)
			break;
	}
out:
	d->depth--;
	if (rc != XU_OK) {
		xv_free(st);
		st = NULL;
	}
	*out = st;
	return rc;
}

/* A scalar type element: its text, trimmed for the numeric types. */
static int
decode_scalar(struct dec *d, const xmlNode *el, struct xv **out)
{
	const char *type = lname(el);
	struct xu_buf b, raw;
	int64_t i;
	double dbl;
	char *s;
	int rc;

	*out = NULL;
	if ((rc = text_of(d, el, &b)) != XU_OK)
		return rc;
	if (strcmp(type, "string") == 0) {
		*out = xv_strn(b.data, b.len);
		goto out;
	}
	s = trim(b.data);
	if (strcmp(type, "int") == 0 || strcmp(type, "i4") == 0) {
		if ((rc = parse_int(d, el, s, INT32_LO, INT32_HI, &i)) == XU_OK)
			*out = xv_int(i);
	} else if (strcmp(type, "i8") == 0) {
		if ((rc = parse_int(d, el, s, INT64_MIN, INT64_MAX, &i)) == XU_OK)
			*out = xv_int(i);
	} else if (strcmp(type, "boolean") == 0) {
		if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0)
			*out = xv_bool(*s == '1');
		else {
			rc = XU_ERR_SYNTAX;
			xu_err_set(d->err, rc, line_of(el),
			    "expected 0 or 1 in <boolean> at line %d",
			    line_of(el));
		}
	} else if (strcmp(type, "double") == 0) {
		if ((rc = parse_double(d, el, s, &dbl)) == XU_OK)
			*out = xv_double(dbl);
	} else if (strcmp(type, "nil") == 0) {
		if (*s == '\0')
			*out = xv_nil();
		else {
			rc = XU_ERR_SYNTAX;
			xu_err_set(d->err, rc, line_of(el),
			    "unexpected text in <nil> at line %d", line_of(el));
		}
	} else if (strcmp(type, "base64") == 0) {
		if ((rc = parse_base64(d, el, s, &raw)) == XU_OK) {
			*out = xv_strn(raw.data, raw.len);
			xu_buf_dispose(&raw);
		}
	} else if (strcmp(type, "dateTime.iso8601") == 0)
		*out = xv_str(s);
	else {
		rc = XU_ERR_TYPE;
		xu_err_set(d->err, rc, line_of(el),
		    "unknown type <%s> in <value> at line %d", type,
		    line_of(el));
	}
out:
	xu_buf_dispose(&b);
	return rc;
}

/* <value>: one type element, or bare text, which is a string. */
static int
decode_value(struct dec *d, const xmlNode *el, struct xv **out)
{
	xmlNode *c;
	struct xu_buf b;
	int rc;

	*out = NULL;
	for (c = el->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			break;
	if (c == NULL) {
		if ((rc = text_of(d, el, &b)) != XU_OK)
			return rc;
		*out = xv_strn(b.data, b.len);
		xu_buf_dispose(&b);
		(*out)->line = line_of(el);
		return XU_OK;
	}
	if ((rc = only_element(d, el, NULL, &c)) != XU_OK)
		return rc;
	if (is_named(c, "array"))
		rc = decode_array(d, c, out);
	else if (is_named(c, "struct"))
		rc = decode_struct(d, c, out);
	else
		rc = decode_scalar(d, c, out);
	if (rc == XU_OK)
		(*out)->line = line_of(el);
	return rc;
}

/* Refuses any DOCTYPE the moment it is seen, before an entity can be
 * declared: no entity expansion (billion laughs), no external subsets. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
    const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *ps = ctxt->_private;

	ps->doctype = true;
	ps->line = xmlSAX2GetLineNumber(ctxt);
	xmlStopParser(ctxt);
}

static void
refuse_entity(void *ctx, const xmlChar *name, int type,
    const xmlChar *public_id, const xmlChar *system_id, xmlChar *content)
{
	refuse_doctype(ctx, NULL, NULL, NULL);
}

static int
parse_doc(const char *xml, size_t len, const char *root_name,
    struct xu_err *err, xmlDocPtr *out)
{
	struct parse_state ps = { 0 };
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	xmlNode *root;
	struct quiet q;
	int rc = XU_OK;

	*out = NULL;
	init();
	quiet_begin(&q, &ps);
	if (len > XMLRPC_MAX_BODY) {
		rc = XU_ERR_TOO_BIG;
		xu_err_set(err, rc, 0, "XML-RPC body of %zu bytes exceeds %u",
		    len, XMLRPC_MAX_BODY);
		goto out;
	}
	/* A NUL ends libxml2's input early and would hide trailing junk;
	 * bodies are UTF-8, where NUL never appears. */
	if (xml == NULL || len == 0 || memchr(xml, '\0', len) != NULL) {
		rc = XU_ERR_SYNTAX;
		xu_err_set(err, rc, 0, "%s XML-RPC body",
		    xml == NULL || len == 0 ? "empty" : "NUL byte in");
		goto out;
	}
	ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
	if (ctxt == NULL) {
		rc = XU_ERR_NOMEM;
		xu_err_set(err, rc, 0, "cannot create an XML parser");
		goto out;
	}
	/* No XML_PARSE_NOENT or DTDLOAD: entities stay unexpanded and no
	 * file or URL is ever opened. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	ctxt->_private = &ps;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->entityDecl = refuse_entity;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (ps.doctype || (doc != NULL && (doc->intSubset || doc->extSubset))) {
		rc = XU_ERR_UNSUPPORTED;
		xu_err_set(err, rc, ps.line,
		    "DOCTYPE not allowed in XML-RPC at line %d", ps.line);
		goto out;
	}
	if (!ctxt->wellFormed || doc == NULL) {
		rc = XU_ERR_SYNTAX;
		/* libxml2's own nesting limit (256), hit before ours */
		if (strncmp(ps.msg, "Excessive depth", 15) == 0) {
			rc = XU_ERR_TOO_BIG;
			snprintf(ps.msg, sizeof(ps.msg), "elements nested too deeply");
		}
		xu_err_set(err, rc, ps.line, "XML error at line %d: %s", ps.line,
		    ps.failed ? ps.msg : "not well-formed");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_named(root, root_name)) {
		rc = XU_ERR_SYNTAX;
		xu_err_set(err, rc, root ? line_of(root) : 0,
		    "expected <%s>, found <%s> at line %d", root_name,
		    root ? lname(root) : "", root ? line_of(root) : 0);
		goto out;
	}
out:
	if (ctxt != NULL)
		xmlFreeParserCtxt(ctxt);
	quiet_end(&q);
	if (rc != XU_OK && doc != NULL)
		xmlFreeDoc(doc);
	else
		*out = doc;
	return rc;
}

/* Method names as the XML-RPC specification allows them. */
static bool
valid_method(const char *s)
{
	if (*s == '\0')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.:/") == strlen(s);
}

static int
decode_params(struct dec *d, const xmlNode *params, struct xv *list)
{
	xmlNode *c, *value;
	struct xv *v;
	int rc;

	rc = element_from(d, params, params->children, &c);
	for (; rc == XU_OK && c != NULL;
	    rc = element_from(d, params, c->next, &c)) {
		if (!is_named(c, "param"))
			return unexpected(d, c, params);
		if ((rc = only_element(d, c, "value", &value)) != XU_OK)
			return rc;
		if ((rc = decode_value(d, value, &v)) != XU_OK)
			return rc;
		xv_append(list, v);
	}
	return rc;
}

int
xmlrpc_decode_call(const char *xml, size_t len, char **method,
    struct xv **params, struct xu_err *err)
{
	struct dec d = { err, 0 };
	xmlDocPtr doc = NULL;
	xmlNode *root, *c, *name = NULL, *plist = NULL;
	struct xu_buf b;
	struct xv *list = NULL;
	char *m = NULL;
	int rc;

	*method = NULL;
	*params = NULL;
	xu_buf_init(&b);
	if ((rc = parse_doc(xml, len, "methodCall", err, &doc)) != XU_OK)
		goto out;
	root = xmlDocGetRootElement(doc);
	rc = element_from(&d, root, root->children, &c);
	for (; rc == XU_OK && c != NULL;
	    rc = element_from(&d, root, c->next, &c)) {
		if (is_named(c, "methodName") && name == NULL && plist == NULL)
			name = c;
		else if (is_named(c, "params") && name != NULL && plist == NULL)
			plist = c;
		else {
			rc = unexpected(&d, c, root);
			goto out;
		}
	}
	if (rc != XU_OK)
		goto out;
	if (name == NULL) {
		rc = XU_ERR_SYNTAX;
		xu_err_set(err, rc, line_of(root),
		    "expected <methodName> in <methodCall> at line %d",
		    line_of(root));
		goto out;
	}
	if ((rc = text_of(&d, name, &b)) != XU_OK)
		goto out;
	m = trim(b.data);
	if (!valid_method(m)) {
		rc = XU_ERR_INVALID;
		xu_err_set(err, rc, line_of(name),
		    "invalid method name at line %d", line_of(name));
		goto out;
	}
	list = xv_list();
	list->line = line_of(plist ? plist : root);
	if (plist != NULL && (rc = decode_params(&d, plist, list)) != XU_OK)
		goto out;
	*method = xu_strdup(m);
	*params = list;
	list = NULL;
out:
	xv_free(list);
	xu_buf_dispose(&b);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}

/* <fault><value><struct> faultCode, faultString </struct></value>;
 * other members are ignored, as Python's client does. */
static int
decode_fault(struct dec *d, const xmlNode *fault, int *code, char **msg)
{
	const struct xv *fc, *fs;
	struct xv *v = NULL;
	xmlNode *value;
	int rc;

	if ((rc = only_element(d, fault, "value", &value)) != XU_OK)
		return rc;
	if ((rc = decode_value(d, value, &v)) != XU_OK)
		return rc;
	fc = xv_struct_get(v, "faultCode");
	fs = xv_struct_get(v, "faultString");
	if (fc == NULL || fc->type != XV_INT || fc->u.i < INT32_LO ||
	    fc->u.i > INT32_HI || fs == NULL || fs->type != XV_STRING) {
		rc = XU_ERR_TYPE;
		xu_err_set(d->err, rc, line_of(value),
		    "fault at line %d is not a struct of faultCode (int) and "
		    "faultString (string)", line_of(value));
		goto out;
	}
	*code = (int)fc->u.i;
	*msg = xu_strdup(fs->u.str.s);
	xu_err_set(d->err, XU_ERR_FAULT, 0, "fault %d: %s", *code, *msg);
	rc = XU_ERR_FAULT;
out:
	xv_free(v);
	return rc;
}

int
xmlrpc_decode_response(const char *xml, size_t len, struct xv **result,
    int *fault_code, char **fault_string, struct xu_err *err)
{
	struct dec d = { err, 0 };
	xmlDocPtr doc = NULL;
	xmlNode *root, *c, *param, *value;
	char *fs = NULL;
	int rc, fc = 0;

	*result = NULL;
	if (fault_code != NULL)
		*fault_code = 0;
	if (fault_string != NULL)
		*fault_string = NULL;
	if ((rc = parse_doc(xml, len, "methodResponse", err, &doc)) != XU_OK)
		goto out;
	root = xmlDocGetRootElement(doc);
	if ((rc = element_from(&d, root, root->children, &c)) != XU_OK)
		goto out;
	if (c == NULL) {
		rc = XU_ERR_SYNTAX;
		xu_err_set(err, rc, line_of(root), "expected <params> or <fault> "
		    "in <methodResponse> at line %d", line_of(root));
		goto out;
	}
	if ((rc = only_element(&d, root, lname(c), &c)) != XU_OK)
		goto out;
	if (is_named(c, "fault")) {
		rc = decode_fault(&d, c, &fc, &fs);
		if (rc == XU_ERR_FAULT) {
			if (fault_code != NULL)
				*fault_code = fc;
			if (fault_string != NULL) {
				*fault_string = fs;
				fs = NULL;
			}
		}
		goto out;
	}
	if (!is_named(c, "params")) {
		rc = unexpected(&d, c, root);
		goto out;
	}
	if ((rc = only_element(&d, c, "param", &param)) != XU_OK)
		goto out;
	if ((rc = only_element(&d, param, "value", &value)) != XU_OK)
		goto out;
	rc = decode_value(&d, value, result);
out:
	free(fs);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}
