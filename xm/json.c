/* json.c: xm's --json output through yajl_gen (docs/JSON.md): the
 * document's envelope, typed members, and XML-RPC values and SXPs as
 * JSON. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"
#include "xu.h"
#include "xv-json.h"

yajl_gen
xm_json_begin(const char *command)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		abort();
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	yajl_gen_map_open(g);
	xm_json_int(g, "schema", XM_JSON_SCHEMA);
	xm_json_str(g, "command", command);
	return g;
}

int
xm_json_end(yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	int rc = XM_EXIT_OK;

	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		xm_error("the JSON document could not be written");
		rc = XM_EXIT_ERROR;
	} else if (fwrite(buf, 1, len, stdout) != len || putchar('\n') == EOF ||
	    fflush(stdout) != 0)
		rc = XM_EXIT_ERROR;
	yajl_gen_free(g);
	return rc;
}

void
xm_json_key(yajl_gen g, const char *key)
{
	if (key != NULL)
		yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void
xm_json_str(yajl_gen g, const char *key, const char *s)
{
	xm_json_key(g, key);
	if (s == NULL)
		yajl_gen_null(g);
	else
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void
xm_json_int(yajl_gen g, const char *key, long long v)
{
	xm_json_key(g, key);
	yajl_gen_integer(g, v);
}

/* The shortest decimal that reads back as v (0.1, not yajl's %.20g
 * 0.10000000000000000555); NaN and infinities, which JSON cannot say, as
 * null. */
void
xm_json_num(yajl_gen g, const char *key, double v)
{
	xm_json_key(g, key);
	xv_json_double(g, v);
}

void
xm_json_bool(yajl_gen g, const char *key, bool b)
{
	xm_json_key(g, key);
	yajl_gen_bool(g, b);
}

void
xm_json_null(yajl_gen g, const char *key)
{
	xm_json_key(g, key);
	yajl_gen_null(g);
}

void
xm_json_open(yajl_gen g, const char *key, bool array)
{
	xm_json_key(g, key);
	if (array)
		yajl_gen_array_open(g);
	else
		yajl_gen_map_open(g);
}

void
xm_json_close(yajl_gen g, bool array)
{
	if (array)
		yajl_gen_array_close(g);
	else
		yajl_gen_map_close(g);
}

void
xm_json_value(yajl_gen g, const struct xv *v)
{
	xv_json_value(g, v);
}

/* A decimal integer as xenstore and SXPs write one ("0", "-1", "51712"),
 * that an int64 holds. */
static bool
is_decimal(const char *s)
{
	const char *p = *s == '-' ? s + 1 : s;

	if (*p == '\0' || (p[0] == '0' && p[1] != '\0') || strlen(p) > 18)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

void
xm_json_atom(yajl_gen g, const char *key, const struct xv *v)
{
	xm_json_key(g, key);
	if (xv_string(v) != NULL && is_decimal(xv_string(v)))
		yajl_gen_integer(g, strtoll(xv_string(v), NULL, 10));
	else
		xm_json_value(g, v);
}

/* A key as docs/JSON.md promises: snake_case ("backend-id" is
 * "backend_id"). */
void
xm_json_snake_key(yajl_gen g, const char *name)
{
	char *k = xu_strdup(name), *p;

	for (p = k; *p; p++)
		if (*p == '-')
			*p = '_';
	xm_json_key(g, k);
	free(k);
}

static bool
is_element(const struct xv *v)
{
	return xv_is_list(v) && xv_name(v) != NULL && xv_len(v) > 0;
}

/* What follows an element's name: one atom as itself, only elements as
 * an object, anything else as an array. */
static void
sxp_body(yajl_gen g, const struct xv *elem)
{
	size_t i, n = xv_len(elem);
	bool all_elements = n > 1;

	for (i = 1; i < n; i++)
		if (!is_element(xv_at(elem, i)))
			all_elements = false;
	if (n == 2 && !xv_is_list(xv_at(elem, 1))) {
		xm_json_atom(g, NULL, xv_at(elem, 1));
	} else if (all_elements) {
		xm_json_sxp(g, elem);
	} else {
		yajl_gen_array_open(g);
		for (i = 1; i < n; i++) {
			if (is_element(xv_at(elem, i))) {
				yajl_gen_map_open(g);
				xm_json_snake_key(g, xv_name(xv_at(elem, i)));
				sxp_body(g, xv_at(elem, i));
				yajl_gen_map_close(g);
			} else
				xm_json_atom(g, NULL, xv_at(elem, i));
		}
		yajl_gen_array_close(g);
	}
}

/* Children that repeat ((device ...) (device ...)) are one key with an
 * array; "device" is always an array, so a domain with one device has
 * the shape of one with two. */
void
xm_json_sxp(yajl_gen g, const struct xv *elem)
{
	size_t i, j, n = xv_len(elem);
	bool many;

	yajl_gen_map_open(g);
	for (i = 1; i < n; i++) {
		const struct xv *c = xv_at(elem, i);
		const char *name = is_element(c) ? xv_name(c) : NULL;

		if (name == NULL)
			continue;
		for (j = 1; j < i; j++)
			if (is_element(xv_at(elem, j)) &&
			    strcmp(xv_name(xv_at(elem, j)), name) == 0)
				break;
		if (j < i)
			continue;	/* written with its first */
		many = strcmp(name, "device") == 0;
		for (j = i + 1; j < n && !many; j++)
			if (is_element(xv_at(elem, j)) &&
			    strcmp(xv_name(xv_at(elem, j)), name) == 0)
				many = true;
		xm_json_snake_key(g, name);
		if (!many) {
			sxp_body(g, c);
			continue;
		}
		yajl_gen_array_open(g);
		for (j = i; j < n; j++)
			if (is_element(xv_at(elem, j)) &&
			    strcmp(xv_name(xv_at(elem, j)), name) == 0)
				sxp_body(g, xv_at(elem, j));
		yajl_gen_array_close(g);
	}
	yajl_gen_map_close(g);
}

/* The letters of reference 3.2, in their columns. */
static const struct {
	char letter;
	const char *flag;
} state_letters[] = {
	{ 'r', "running" }, { 'b', "blocked" }, { 'p', "paused" },
	{ 's', "shutdown" }, { 'c', "crashed" }, { 'd', "dying" },
};

void
xm_json_state(yajl_gen g, const char *state)
{
	size_t i;

	xm_json_str(g, "state", state);
	xm_json_open(g, "state_flags", false);
	for (i = 0; i < sizeof(state_letters) / sizeof(state_letters[0]); i++)
		xm_json_bool(g, state_letters[i].flag,
		    strchr(state, state_letters[i].letter) != NULL);
	xm_json_close(g, false);
}

void
xm_json_domain_id(yajl_gen g, const struct xm_dominfo *di)
{
	xm_json_str(g, "name", di->name);
	if (di->id >= 0)
		xm_json_int(g, "domid", di->id);
	else
		xm_json_null(g, "domid");
	xm_json_str(g, "uuid", di->uuid);
}

int
xm_json_domains(const char *command, const struct xv *doms,
    xm_json_dom_fn fn, void *arg)
{
	yajl_gen g = xm_json_begin(command);
	struct xm_dominfo di;
	size_t i;
	int rc = XM_EXIT_OK;

	xm_json_open(g, "domains", true);
	for (i = 0; i < xv_len(doms) && rc == XM_EXIT_OK; i++) {
		xm_dominfo_parse(xv_at(doms, i), &di);
		xm_json_open(g, NULL, false);
		xm_json_domain_id(g, &di);
		rc = fn(g, &di, xv_at(doms, i), arg);
		xm_json_close(g, false);
	}
	if (rc != XM_EXIT_OK) {
		yajl_gen_free(g);
		return rc;
	}
	xm_json_close(g, true);
	return xm_json_end(g);
}
