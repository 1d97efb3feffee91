/* json.h: xm's machine-readable output (--json, docs/JSON.md): one JSON
 * document per command, written by yajl, with the schema version first. */
#ifndef XM_JSON_H
#define XM_JSON_H

#include <stdbool.h>

#include <yajl/yajl_gen.h>

#include "dominfo.h"
#include "xv.h"

/* The version of docs/JSON.md's schema; raised when a key changes meaning
 * or goes away (new keys keep it). */
#define XM_JSON_SCHEMA 1

/* A generator with the document's object open and "schema" and "command"
 * written. */
yajl_gen xm_json_begin(const char *command);
/* Closes the document, writes it and a newline on stdout, frees g;
 * returns the exit status (1 when stdout fails). */
int xm_json_end(yajl_gen g);

/* One member each (key NULL: an element of an array). A NULL string is
 * written as null. */
void xm_json_key(yajl_gen g, const char *key);
/* A key from an SXP or xenstore, snake_case ("backend-id" is
 * "backend_id"). */
void xm_json_snake_key(yajl_gen g, const char *name);
void xm_json_str(yajl_gen g, const char *key, const char *s);
void xm_json_int(yajl_gen g, const char *key, long long v);
void xm_json_num(yajl_gen g, const char *key, double v);
void xm_json_bool(yajl_gen g, const char *key, bool b);
void xm_json_null(yajl_gen g, const char *key);
void xm_json_open(yajl_gen g, const char *key, bool array);
void xm_json_close(yajl_gen g, bool array);

/* An XML-RPC value as it is: strings, numbers, booleans, arrays; a
 * struct as an object. */
void xm_json_value(yajl_gen g, const struct xv *v);
/* An SXP or xenstore atom: a decimal integer as a number, else the
 * value as it is. */
void xm_json_atom(yajl_gen g, const char *key, const struct xv *v);
/* An SXP element (name (key value...) ...) as an object of its children
 * (docs/JSON.md, "SXP as JSON"). */
void xm_json_sxp(yajl_gen g, const struct xv *elem);

/* "state" (the six letters) and "state_flags" (one boolean a letter). */
void xm_json_state(yajl_gen g, const char *state);
/* "name", "domid" (null when not running) and "uuid" of a domain. */
void xm_json_domain_id(yajl_gen g, const struct xm_dominfo *di);

/* Writes what one domain adds to its object after name, domid and uuid;
 * returns XM_EXIT_OK, or the exit status that ends the command. */
typedef int (*xm_json_dom_fn)(yajl_gen g, const struct xm_dominfo *di,
    const struct xv *dom, void *arg);

/* The document of a command that lists domains: {"schema", "command",
 * "domains": [{name, domid, uuid, ...fn's members}, ...]}. A failing fn
 * ends it with nothing printed (no half a document); returns the exit
 * status. */
int xm_json_domains(const char *command, const struct xv *doms,
    xm_json_dom_fn fn, void *arg);

#endif
