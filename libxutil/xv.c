/* xv.c: construction, copying, comparison and SXP-style access of xv values. */
#include "xv.h"
#include "xu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct xv *
xv_new(enum xv_type type)
{
	struct xv *v = xu_calloc(1, sizeof(*v));

	v->type = type;
	return v;
}

struct xv *
xv_nil(void)
{
	return xv_new(XV_NIL);
}

struct xv *
xv_bool(bool b)
{
	struct xv *v = xv_new(XV_BOOL);

	v->u.b = b;
	return v;
}

struct xv *
xv_int(int64_t i)
{
	struct xv *v = xv_new(XV_INT);

	v->u.i = i;
	return v;
}

struct xv *
xv_double(double d)
{
	struct xv *v = xv_new(XV_DOUBLE);

	v->u.d = d;
	return v;
}

struct xv *
xv_strn(const char *s, size_t len)
{
	struct xv *v = xv_new(XV_STRING);

	v->u.str.s = xu_strndup(s, len);
	v->u.str.len = len;
	return v;
}

struct xv *
xv_str(const char *s)
{
	return xv_strn(s, strlen(s));
}

struct xv *
xv_strf(const char *fmt, ...)
{
	struct xv *v = xv_new(XV_STRING);
	va_list ap;

	va_start(ap, fmt);
	v->u.str.s = xu_vasprintf(fmt, ap);
	va_end(ap);
	v->u.str.len = strlen(v->u.str.s);
	return v;
}

struct xv *
xv_list(void)
{
	return xv_new(XV_LIST);
}

struct xv *
xv_struct(void)
{
	return xv_new(XV_STRUCT);
}

struct xv *
xv_append(struct xv *list, struct xv *child)
{
	if (list->u.list.n == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = xu_realloc(list->u.list.items,
		    list->u.list.cap * sizeof(*list->u.list.items));
	}
	list->u.list.items[list->u.list.n++] = child;
	return list;
}

struct xv *
xv_append_pair(struct xv *list, const char *name, struct xv *value)
{
	struct xv *pair = xv_list();

	xv_append(pair, xv_str(name));
	xv_append(pair, value);
	return xv_append(list, pair);
}

struct xv *
xv_struct_set(struct xv *st, const char *key, struct xv *value)
{
	size_t i;

	for (i = 0; i < st->u.st.n; i++) {
		if (strcmp(st->u.st.members[i].key, key) == 0) {
			xv_free(st->u.st.members[i].val);
			st->u.st.members[i].val = value;
			return st;
		}
	}
	if (st->u.st.n == st->u.st.cap) {
		st->u.st.cap = st->u.st.cap ? st->u.st.cap * 2 : 4;
		st->u.st.members = xu_realloc(st->u.st.members,
		    st->u.st.cap * sizeof(*st->u.st.members));
	}
	st->u.st.members[st->u.st.n].key = xu_strdup(key);
	st->u.st.members[st->u.st.n].val = value;
	st->u.st.n++;
	return st;
}

struct xv *
xv_copy(const struct xv *v)
{
	struct xv *c;
	size_t i;

	if (v == NULL)
		return NULL;
	switch (v->type) {
	case XV_STRING:
		c = xv_strn(v->u.str.s, v->u.str.len);
		break;
	case XV_LIST:
		c = xv_list();
		for (i = 0; i < v->u.list.n; i++)
			xv_append(c, xv_copy(v->u.list.items[i]));
		break;
	case XV_STRUCT:
		c = xv_struct();
		for (i = 0; i < v->u.st.n; i++)
			xv_struct_set(c, v->u.st.members[i].key,
			    xv_copy(v->u.st.members[i].val));
		break;
	default:
		c = xv_new(v->type);
		c->u = v->u;
		break;
	}
	c->line = v->line;
	return c;
}

void
xv_free(struct xv *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case XV_STRING:
		free(v->u.str.s);
		break;
	case XV_LIST:
		for (i = 0; i < v->u.list.n; i++)
			xv_free(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case XV_STRUCT:
		for (i = 0; i < v->u.st.n; i++) {
			free(v->u.st.members[i].key);
			xv_free(v->u.st.members[i].val);
		}
		free(v->u.st.members);
		break;
	default:
		break;
	}
	free(v);
}

bool
xv_equal(const struct xv *a, const struct xv *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case XV_NIL:
		return true;
	case XV_BOOL:
		return a->u.b == b->u.b;
	case XV_INT:
		return a->u.i == b->u.i;
	case XV_DOUBLE:
		return a->u.d == b->u.d;
	case XV_STRING:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case XV_LIST:
		if (a->u.list.n != b->u.list.n)
			return false;
		for (i = 0; i < a->u.list.n; i++)
			if (!xv_equal(a->u.list.items[i], b->u.list.items[i]))
				return false;
		return true;
	case XV_STRUCT:
		if (a->u.st.n != b->u.st.n)
			return false;
		for (i = 0; i < a->u.st.n; i++) {
			if (strcmp(a->u.st.members[i].key, b->u.st.members[i].key) ||
			    !xv_equal(a->u.st.members[i].val, b->u.st.members[i].val))
				return false;
		}
		return true;
	}
	return false;
}

size_t
xv_len(const struct xv *list)
{
	return xv_is_list(list) ? list->u.list.n : 0;
}

struct xv *
xv_at(const struct xv *list, size_t i)
{
	return i < xv_len(list) ? list->u.list.items[i] : NULL;
}

const char *
xv_string(const struct xv *v)
{
	return xv_is_string(v) ? v->u.str.s : NULL;
}

bool
xv_is_list(const struct xv *v)
{
	return v != NULL && v->type == XV_LIST;
}

bool
xv_is_string(const struct xv *v)
{
	return v != NULL && v->type == XV_STRING;
}

struct xv *
xv_struct_get(const struct xv *st, const char *key)
{
	size_t i;

	if (st == NULL || st->type != XV_STRUCT)
		return NULL;
	for (i = 0; i < st->u.st.n; i++)
		if (strcmp(st->u.st.members[i].key, key) == 0)
			return st->u.st.members[i].val;
	return NULL;
}

bool
xv_number(const struct xv *v, double *d)
{
	if (v == NULL)
		return false;
	if (v->type == XV_INT)
		*d = (double)v->u.i;
	else if (v->type == XV_DOUBLE)
		*d = v->u.d;
	else
		return false;
	return true;
}

const char *
xv_name(const struct xv *elem)
{
	return xv_string(xv_at(elem, 0));
}

struct xv *
xv_child(const struct xv *elem, const char *name)
{
	size_t i;

	for (i = 1; i < xv_len(elem); i++) {
		const char *n = xv_name(elem->u.list.items[i]);

		if (n != NULL && strcmp(n, name) == 0)
			return elem->u.list.items[i];
	}
	return NULL;
}

struct xv *
xv_child_value(const struct xv *elem, const char *name)
{
	return xv_at(xv_child(elem, name), 1);
}

const char *
xv_child_str(const struct xv *elem, const char *name, const char *def)
{
	const char *s = xv_string(xv_child_value(elem, name));

	return s ? s : def;
}
