/* xenstore.c: the xenstore's rules over the nodes in the state store:
 * Xen's permissions, node creation and removal, optimistic transactions
 * (generations checked at commit) and watches fired once a change is
 * committed. One operation is one store transaction, or joins the one
 * its caller has open. */
#include "xenstore.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "xu.h"

const struct xs_caller xs_dom0 = { 0, true };

struct watch {
	void *owner;
	xs_watch_fn fn;
	char *canon;		/* absolute, or "@name" */
	char *given;		/* as the watcher gave it (its token's path) */
	char *token;
	size_t rel;		/* prefix stripped from reported paths, or 0 */
	const struct xs_caller *caller;	/* the watcher as it is now */
	struct watch *next;
};

/* A change waiting for its transaction to commit. */
struct pending {
	char *path;
	bool recurse;		/* a removal: watches below fire too */
	struct pending *next;
};

struct xenstore {
	struct store *st;
	int64_t gen;
	struct watch *watches;
	struct pending *pend_head, *pend_tail;
	bool firing;
};

/* A node as a caller sees it. */
struct node {
	bool exists;
	char *value;
	size_t len;
	struct xsw_perm *perms;
	size_t nperms;
	int64_t gen;
};

enum op_kind { OP_WRITE, OP_MKDIR, OP_RM, OP_PERMS };

/* A transaction's change; perms is what nodes it creates get (write,
 * mkdir) or what it sets (perms). */
struct txn_op {
	enum op_kind kind;
	char *path;
	char *value;
	size_t len;
	struct xsw_perm *perms;
	size_t nperms;
};

struct seen {
	char *path;
	int64_t gen;		/* 0: it did not exist */
};

struct xs_txn {
	struct xs_caller caller;
	struct txn_op *ops;
	size_t nops, opcap;
	struct seen *seen;
	size_t nseen, seencap;
};

/* ---- paths and permissions ----------------------------------------- */

/* a is p itself or one of its ancestors. */
static bool
is_within(const char *p, const char *a)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return p[0] == '/';
	return strncmp(p, a, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* The parent of an absolute path other than "/" (malloc'd). */
static char *
parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == path)
		return xu_strdup("/");
	return xu_strndup(path, (size_t)(slash - path));
}

static char *
child_path(const char *dir, const char *name)
{
	return xu_asprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);
}

int
xenstore_canon(const struct xs_caller *c, const char *path, bool special_ok,
    char **out)
{
	*out = NULL;
	if (!xsw_path_valid(path, true, special_ok))
		return EINVAL;
	if (path[0] == '/' || path[0] == '@')
		*out = xu_strdup(path);
	else
		*out = xu_asprintf("/local/domain/%u/%s", c->domid, path);
	if (strlen(*out) > XS_ABS_PATH_MAX) {
		free(*out);
		*out = NULL;
		return EINVAL;
	}
	return 0;
}

static int
perms_parse(const char *text, struct xsw_perm **out, size_t *n)
{
	char *copy = xu_strdup(text), *tok, *save = NULL;
	struct xsw_perm *v = NULL;
	size_t count = 0;

	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		v = xu_realloc(v, (count + 1) * sizeof(*v));
		if (!xsw_perm_parse(tok, &v[count])) {
			free(v);
			free(copy);
			return EINVAL;
		}
		count++;
	}
	free(copy);
	if (count == 0) {
		free(v);
		return EINVAL;
	}
	*out = v;
	*n = count;
	return 0;
}

static char *
perms_text(const struct xsw_perm *p, size_t n)
{
	struct xu_buf b;
	char one[24];
	size_t i;

	xu_buf_init(&b);
	for (i = 0; i < n; i++) {
		xsw_perm_format(&p[i], one, sizeof(one));
		xu_buf_printf(&b, "%s%s", i ? " " : "", one);
	}
	return xu_buf_steal(&b);
}

static struct xsw_perm *
perms_copy(const struct xsw_perm *p, size_t n)
{
	struct xsw_perm *c = xu_calloc(n ? n : 1, sizeof(*c));

	if (n)
		memcpy(c, p, n * sizeof(*c));
	return c;
}

/* What c may do with a node of these permissions (Xen's perm_for_conn):
 * dom0 and the owner everything, a listed domain its entry, anyone else
 * the first entry's. */
static unsigned
perm_for(const struct xs_caller *c, const struct xsw_perm *p, size_t n)
{
	size_t i;

	if (c->privileged)
		return XSW_PERM_BOTH;
	if (n == 0)
		return XSW_PERM_NONE;
	if (p[0].id == c->domid)
		return XSW_PERM_BOTH;
	for (i = 1; i < n; i++)
		if (p[i].id == c->domid)
			return p[i].perm;
	return p[0].perm;
}

static bool
may(const struct xs_caller *c, const struct node *n, unsigned want)
{
	return (perm_for(c, n->perms, n->nperms) & want) == want;
}

/* ---- nodes as a caller sees them ----------------------------------- */

static void
node_dispose(struct node *n)
{
	free(n->value);
	free(n->perms);
	memset(n, 0, sizeof(*n));
}

static void
node_set(struct node *n, const char *value, size_t len,
    const struct xsw_perm *perms, size_t nperms)
{
	if (value != NULL) {
		free(n->value);
		n->value = xu_malloc(len + 1);
		memcpy(n->value, value, len);
		n->value[len] = '\0';
		n->len = len;
	}
	if (perms != NULL) {
		free(n->perms);
		n->perms = perms_copy(perms, nperms);
		n->nperms = nperms;
	}
}

static void
seen_note(struct xs_txn *t, const char *path, int64_t gen)
{
	size_t i;

	for (i = 0; i < t->nseen; i++)
		if (strcmp(t->seen[i].path, path) == 0)
			return;
	if (t->nseen == t->seencap) {
		t->seencap = t->seencap ? t->seencap * 2 : 16;
		t->seen = xu_realloc(t->seen, t->seencap * sizeof(*t->seen));
	}
	t->seen[t->nseen].path = xu_strdup(path);
	t->seen[t->nseen++].gen = gen;
}

/* The transaction's own changes applied to what the store holds. */
static void
fold(const struct xs_txn *t, const char *path, struct node *n)
{
	size_t i;

	for (i = 0; i < t->nops; i++) {
		const struct txn_op *op = &t->ops[i];

		switch (op->kind) {
		case OP_RM:
			if (is_within(path, op->path)) {
				node_dispose(n);
				n->exists = false;
			}
			break;
		case OP_WRITE:
		case OP_MKDIR:
			if (!is_within(op->path, path))
				break;
			if (!n->exists) {
				node_set(n, "", 0, op->perms, op->nperms);
				n->exists = true;
			}
			if (op->kind == OP_WRITE && strcmp(op->path, path) == 0)
				node_set(n, op->value, op->len, NULL, 0);
			break;
		case OP_PERMS:
			if (n->exists && strcmp(op->path, path) == 0)
				node_set(n, NULL, 0, op->perms, op->nperms);
			break;
		}
	}
}

/* The node at path: the store's, then t's changes; record notes what a
 * transaction saw, so its commit can tell whether it changed since. */
static int
view(struct xenstore *xs, struct xs_txn *t, const char *path, bool record,
    struct node *n)
{
	struct store_xs_node row;
	int rc;

	memset(n, 0, sizeof(*n));
	rc = store_xs_get(xs->st, path, &row);
	if (rc != XU_OK && rc != XU_ERR_NOT_FOUND) {
		log_error("xenstore: %s", store_errmsg(xs->st));
		return EIO;
	}
	if (rc == XU_OK) {
		n->exists = true;
		n->value = row.value;
		n->len = row.len;
		n->gen = row.gen;
		row.value = NULL;
		if (perms_parse(row.perms, &n->perms, &n->nperms) != 0) {
			n->perms = xu_calloc(1, sizeof(*n->perms));
			n->nperms = 1;
		}
		store_xs_node_dispose(&row);
	}
	if (t != NULL) {
		if (record)
			seen_note(t, path, n->exists ? n->gen : 0);
		fold(t, path, n);
	}
	return 0;
}

/* The closest existing node at or above path (its path in *at). */
static int
nearest(struct xenstore *xs, struct xs_txn *t, const char *path, struct node *n,
    char **at)
{
	char *p = xu_strdup(path), *up;
	int rc;

	for (;;) {
		if ((rc = view(xs, t, p, true, n)) != 0) {
			free(p);
			return rc;
		}
		if (n->exists || strcmp(p, "/") == 0)
			break;
		node_dispose(n);
		up = parent_of(p);
		free(p);
		p = up;
	}
	*at = p;
	return n->exists ? 0 : ENOENT;
}

/* ---- watches -------------------------------------------------------- */

static void
queue_change(struct xenstore *xs, const char *path, bool recurse)
{
	struct pending *p = xu_calloc(1, sizeof(*p));

	p->path = xu_strdup(path);
	p->recurse = recurse;
	if (xs->pend_tail != NULL)
		xs->pend_tail->next = p;
	else
		xs->pend_head = p;
	xs->pend_tail = p;
}

/* May the watcher hear of path? Of a node that is gone, if it may read
 * what is left above it. */
static bool
may_see(struct xenstore *xs, const struct xs_caller *c, const char *path)
{
	struct node n;
	char *at = NULL;
	bool ok;

	if (c->privileged || path[0] == '@')
		return true;
	if (nearest(xs, NULL, path, &n, &at) != 0) {
		free(at);
		return false;
	}
	ok = may(c, &n, XSW_PERM_READ);
	node_dispose(&n);
	free(at);
	return ok;
}

static void
deliver(struct xenstore *xs, const struct watch *w, const char *path)
{
	const char *shown = path;

	if (!may_see(xs, w->caller, path))
		return;
	if (w->rel > 0 && strlen(path) > w->rel)
		shown = path + w->rel;
	w->fn(w->owner, shown, w->token);
}

static void
fire(struct xenstore *xs, const struct pending *p)
{
	struct watch *w, *next;

	for (w = xs->watches; w != NULL; w = next) {
		next = w->next;
		if (p->path[0] == '@' || w->canon[0] == '@') {
			if (strcmp(p->path, w->canon) == 0)
				deliver(xs, w, p->path);
		} else if (is_within(p->path, w->canon))
			deliver(xs, w, p->path);
		else if (p->recurse && is_within(w->canon, p->path))
			deliver(xs, w, w->canon);
	}
}

static void
tx_hook(void *arg, bool committed)
{
	struct xenstore *xs = arg;
	struct pending *p;

	/* a watcher's reaction may change nodes: its events queue behind */
	if (xs->firing)
		return;
	xs->firing = true;
	while ((p = xs->pend_head) != NULL) {
		xs->pend_head = p->next;
		if (xs->pend_head == NULL)
			xs->pend_tail = NULL;
		if (committed)
			fire(xs, p);
		free(p->path);
		free(p);
	}
	xs->firing = false;
}

int
xenstore_watch(struct xenstore *xs, const struct xs_caller *c, void *owner,
    xs_watch_fn fn, const char *path, const char *token)
{
	struct watch *w;
	char *canon;
	int rc;

	if ((rc = xenstore_canon(c, path, true, &canon)) != 0)
		return rc;
	for (w = xs->watches; w != NULL; w = w->next) {
		if (w->owner == owner && strcmp(w->canon, canon) == 0 &&
		    strcmp(w->token, token) == 0) {
			free(canon);
			return EEXIST;
		}
	}
	w = xu_calloc(1, sizeof(*w));
	w->owner = owner;
	w->fn = fn;
	w->canon = canon;
	w->given = xu_strdup(path);
	w->token = xu_strdup(token);
	w->caller = c;
	if (path[0] != '/' && path[0] != '@')
		w->rel = strlen(canon) - strlen(path);
	w->next = xs->watches;
	xs->watches = w;
	return 0;
}

static void
watch_free(struct watch *w)
{
	free(w->canon);
	free(w->given);
	free(w->token);
	free(w);
}

int
xenstore_unwatch(struct xenstore *xs, void *owner, const char *path,
    const char *token)
{
	struct watch **pp, *w;

	for (pp = &xs->watches; (w = *pp) != NULL; pp = &w->next) {
		if (w->owner == owner && strcmp(w->given, path) == 0 &&
		    strcmp(w->token, token) == 0) {
			*pp = w->next;
			watch_free(w);
			return 0;
		}
	}
	return ENOENT;
}

void
xenstore_unwatch_all(struct xenstore *xs, void *owner)
{
	struct watch **pp, *w;

	for (pp = &xs->watches; (w = *pp) != NULL;) {
		if (w->owner == owner) {
			*pp = w->next;
			watch_free(w);
		} else
			pp = &w->next;
	}
}

void
xenstore_fire_special(struct xenstore *xs, const char *name)
{
	struct pending p = { (char *)name, false, NULL };

	fire(xs, &p);
}

/* ---- changes to the store ------------------------------------------- */

static int64_t
next_gen(struct xenstore *xs)
{
	return ++xs->gen;
}

static int
put(struct xenstore *xs, const char *path, const struct node *n)
{
	char *parent = strcmp(path, "/") == 0 ? NULL : parent_of(path);
	char *perms = perms_text(n->perms, n->nperms);
	int rc;

	rc = store_xs_put(xs->st, path, parent, n->value ? n->value : "", n->len,
	    perms, n->gen);
	free(parent);
	free(perms);
	return rc;
}

/* Makes every missing node from below the existing ancestor `at` down to
 * path with these permissions; at's generation moves (its children
 * changed). */
static int
create_down(struct xenstore *xs, const char *at, const char *path,
    const struct xsw_perm *perms, size_t nperms)
{
	size_t alen = strcmp(at, "/") == 0 ? 0 : strlen(at);
	const char *p = path + alen + 1;
	struct node n = { 0 };
	int rc;

	n.perms = (struct xsw_perm *)perms;
	n.nperms = nperms;
	n.value = "";
	for (;;) {
		const char *slash = strchr(p, '/');
		char *sub = slash ? xu_strndup(path, (size_t)(slash - path)) :
		    xu_strdup(path);

		n.gen = next_gen(xs);
		rc = put(xs, sub, &n);
		free(sub);
		if (rc != XU_OK || slash == NULL)
			break;
		p = slash + 1;
	}
	if (rc == XU_OK)
		rc = store_xs_set_gen(xs->st, at, next_gen(xs));
	return rc;
}

/* The changes themselves, without checks: direct operations after their
 * checks, and a transaction's operations at commit. */
static int
apply(struct xenstore *xs, const struct txn_op *op)
{
	struct node n;
	char *at = NULL;
	int rc = XU_OK;

	if (view(xs, NULL, op->path, false, &n) != 0)
		return XU_ERR_IO;
	switch (op->kind) {
	case OP_WRITE:
	case OP_MKDIR:
		if (n.exists) {
			if (op->kind == OP_MKDIR)
				break;
			node_set(&n, op->value, op->len, NULL, 0);
			n.gen = next_gen(xs);
			rc = put(xs, op->path, &n);
		} else {
			struct node up;

			if (nearest(xs, NULL, op->path, &up, &at) != 0) {
				rc = XU_ERR_IO;
				break;
			}
			node_dispose(&up);
			rc = create_down(xs, at, op->path, op->perms, op->nperms);
			if (rc == XU_OK && op->kind == OP_WRITE && op->len > 0) {
				node_set(&n, op->value, op->len, op->perms, op->nperms);
				n.gen = next_gen(xs);
				rc = put(xs, op->path, &n);
			}
		}
		queue_change(xs, op->path, false);
		break;
	case OP_RM:
		if (!n.exists)
			break;
		at = parent_of(op->path);
		if ((rc = store_xs_delete(xs->st, op->path)) == XU_OK)
			rc = store_xs_set_gen(xs->st, at, next_gen(xs));
		queue_change(xs, op->path, true);
		break;
	case OP_PERMS:
		if (!n.exists)
			break;
		node_set(&n, NULL, 0, op->perms, op->nperms);
		n.gen = next_gen(xs);
		rc = put(xs, op->path, &n);
		queue_change(xs, op->path, false);
		break;
	}
	node_dispose(&n);
	free(at);
	if (rc != XU_OK)
		log_error("xenstore: %s", store_errmsg(xs->st));
	return rc;
}

/* One checked operation: into the transaction, or into the store now. */
static int
commit_op(struct xenstore *xs, struct xs_txn *t, struct txn_op *op)
{
	int rc;

	if (t != NULL) {
		if (t->nops >= XS_TXN_OPS_MAX) {
			free(op->path);
			free(op->value);
			free(op->perms);
			return ENOSPC;
		}
		if (t->nops == t->opcap) {
			t->opcap = t->opcap ? t->opcap * 2 : 8;
			t->ops = xu_realloc(t->ops, t->opcap * sizeof(*t->ops));
		}
		t->ops[t->nops++] = *op;
		return 0;
	}
	if (store_begin(xs->st) != XU_OK) {
		rc = EIO;
		goto out;
	}
	if (apply(xs, op) != XU_OK) {
		store_rollback(xs->st);
		rc = EIO;
		goto out;
	}
	rc = store_commit(xs->st) == XU_OK ? 0 : EIO;
out:
	free(op->path);
	free(op->value);
	free(op->perms);
	return rc;
}

/* ---- the operations ------------------------------------------------ */

static int
readable(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, struct node *n)
{
	int rc;

	if ((rc = view(xs, t, path, true, n)) != 0)
		return rc;
	if (!n->exists) {
		node_dispose(n);
		return ENOENT;
	}
	if (!may(c, n, XSW_PERM_READ)) {
		node_dispose(n);
		return EACCES;
	}
	return 0;
}

int
xenstore_read(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, char **value, size_t *len)
{
	struct node n;
	int rc;

	*value = NULL;
	*len = 0;
	if ((rc = readable(xs, c, t, path, &n)) != 0)
		return rc;
	*value = n.value;
	*len = n.len;
	n.value = NULL;
	node_dispose(&n);
	return 0;
}

/* Write and mkdir: the node itself if it exists, else the closest
 * ancestor, must be writable; new nodes inherit that ancestor's
 * permissions and belong to an unprivileged creator. */
static int
create_or_write(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, const char *value, size_t len, enum op_kind kind)
{
	struct txn_op op = { kind, NULL, NULL, 0, NULL, 0 };
	struct node n;
	char *at = NULL;
	int rc;

	if (len > XS_PAYLOAD_MAX)
		return E2BIG;
	if ((rc = nearest(xs, t, path, &n, &at)) != 0)
		goto out;
	if (!may(c, &n, XSW_PERM_WRITE)) {
		rc = EACCES;
		goto out;
	}
	if (kind == OP_MKDIR && strcmp(at, path) == 0)
		goto out;		/* there already */
	op.path = xu_strdup(path);
	if (kind == OP_WRITE) {
		op.value = xu_malloc(len + 1);
		memcpy(op.value, value, len);
		op.value[len] = '\0';
		op.len = len;
	}
	op.perms = perms_copy(n.perms, n.nperms);
	op.nperms = n.nperms;
	if (!c->privileged)
		op.perms[0].id = c->domid;
	rc = commit_op(xs, t, &op);
out:
	node_dispose(&n);
	free(at);
	return rc;
}

int
xenstore_write(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path, const char *value, size_t len)
{
	return create_or_write(xs, c, t, path, value, len, OP_WRITE);
}

int
xenstore_mkdir(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path)
{
	return create_or_write(xs, c, t, path, NULL, 0, OP_MKDIR);
}

int
xenstore_rm(struct xenstore *xs, const struct xs_caller *c, struct xs_txn *t,
    const char *path)
{
	struct txn_op op = { OP_RM, NULL, NULL, 0, NULL, 0 };
	struct node n, up;
	char *parent;
	int rc;

	if (strcmp(path, "/") == 0)
		return EINVAL;
	if ((rc = view(xs, t, path, true, &n)) != 0)
		return rc;
	if (!n.exists) {
		/* Xen: removing what is not there is fine if its parent is */
		parent = parent_of(path);
		rc = view(xs, t, parent, true, &up);
		if (rc == 0 && !up.exists)
			rc = ENOENT;
		node_dispose(&up);
		free(parent);
		return rc;
	}
	if (!may(c, &n, XSW_PERM_WRITE)) {
		node_dispose(&n);
		return EACCES;
	}
	node_dispose(&n);
	op.path = xu_strdup(path);
	return commit_op(xs, t, &op);
}

/* Within a transaction: the stored children and the ones its changes
 * made, those that exist in its view. */
static int
txn_children(struct xenstore *xs, struct xs_txn *t, const char *path,
    char ***names, size_t *n)
{
	char **v = *names, *name, *cp;
	size_t count = *n, cap = count + t->nops + 1, i, j, plen;
	struct node c;

	v = xu_realloc(v, cap * sizeof(*v));
	plen = strcmp(path, "/") == 0 ? 0 : strlen(path);
	for (i = 0; i < t->nops; i++) {
		const char *p = t->ops[i].path;

		if (!is_within(p, path) || strcmp(p, path) == 0)
			continue;
		name = xu_strdup(p + plen + 1);
		name[strcspn(name, "/")] = '\0';
		for (j = 0; j < count && strcmp(v[j], name) != 0; j++)
			;
		if (j < count)
			free(name);
		else
			v[count++] = name;
	}
	/* keep only those that exist after the transaction's changes */
	for (i = j = 0; i < count; i++) {
		cp = child_path(path, v[i]);
		if (view(xs, t, cp, false, &c) == 0 && c.exists)
			v[j++] = v[i];
		else
			free(v[i]);
		node_dispose(&c);
		free(cp);
	}
	*names = v;
	*n = j;
	return 0;
}

int
xenstore_directory(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, char ***names, size_t *n)
{
	struct node d;
	int rc;

	*names = NULL;
	*n = 0;
	if ((rc = readable(xs, c, t, path, &d)) != 0)
		return rc;
	node_dispose(&d);
	if (store_xs_children(xs->st, path, names, n) != XU_OK) {
		log_error("xenstore: %s", store_errmsg(xs->st));
		return EIO;
	}
	if (t != NULL && t->nops > 0)
		rc = txn_children(xs, t, path, names, n);
	return rc;
}

int
xenstore_get_perms(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, struct xsw_perm **perms, size_t *n)
{
	struct node d;
	int rc;

	*perms = NULL;
	*n = 0;
	if ((rc = readable(xs, c, t, path, &d)) != 0)
		return rc;
	*perms = d.perms;
	*n = d.nperms;
	d.perms = NULL;
	node_dispose(&d);
	return 0;
}

int
xenstore_set_perms(struct xenstore *xs, const struct xs_caller *c,
    struct xs_txn *t, const char *path, const struct xsw_perm *perms, size_t n)
{
	struct txn_op op = { OP_PERMS, NULL, NULL, 0, NULL, 0 };
	struct node d;
	int rc;

	if (n == 0)
		return EINVAL;
	if ((rc = view(xs, t, path, true, &d)) != 0)
		return rc;
	if (!d.exists)
		rc = ENOENT;
	else if (!may(c, &d, XSW_PERM_WRITE))
		rc = EACCES;
	else if (!c->privileged && perms[0].id != c->domid)
		rc = EPERM;		/* a domain may not give its nodes away */
	node_dispose(&d);
	if (rc != 0)
		return rc;
	op.path = xu_strdup(path);
	op.perms = perms_copy(perms, n);
	op.nperms = n;
	return commit_op(xs, t, &op);
}

/* ---- transactions -------------------------------------------------- */

struct xs_txn *
xenstore_txn_start(struct xenstore *xs, const struct xs_caller *c)
{
	struct xs_txn *t = xu_calloc(1, sizeof(*t));

	t->caller = *c;
	return t;
}

static void
txn_free(struct xs_txn *t)
{
	size_t i;

	for (i = 0; i < t->nops; i++) {
		free(t->ops[i].path);
		free(t->ops[i].value);
		free(t->ops[i].perms);
	}
	for (i = 0; i < t->nseen; i++)
		free(t->seen[i].path);
	free(t->ops);
	free(t->seen);
	free(t);
}

/* Every node the transaction saw is as it was: same generation, or
 * still missing. */
static int
unchanged(struct xenstore *xs, const struct xs_txn *t)
{
	struct store_xs_node row;
	size_t i;
	int rc;

	for (i = 0; i < t->nseen; i++) {
		rc = store_xs_get(xs->st, t->seen[i].path, &row);
		if (rc != XU_OK && rc != XU_ERR_NOT_FOUND)
			return EIO;
		if ((rc == XU_OK ? row.gen : 0) != t->seen[i].gen) {
			store_xs_node_dispose(&row);
			return EAGAIN;
		}
		store_xs_node_dispose(&row);
	}
	return 0;
}

int
xenstore_txn_end(struct xenstore *xs, struct xs_txn *t, bool commit)
{
	size_t i;
	int rc = 0;

	if (!commit || t->nops == 0) {
		if (commit)
			rc = unchanged(xs, t);
		txn_free(t);
		return rc;
	}
	if (store_begin(xs->st) != XU_OK) {
		txn_free(t);
		return EIO;
	}
	if ((rc = unchanged(xs, t)) != 0) {
		store_rollback(xs->st);
		txn_free(t);
		return rc;
	}
	for (i = 0; i < t->nops; i++) {
		if (apply(xs, &t->ops[i]) != XU_OK) {
			store_rollback(xs->st);
			txn_free(t);
			return EIO;
		}
	}
	rc = store_commit(xs->st) == XU_OK ? 0 : EIO;
	txn_free(t);
	return rc;
}

/* ---- life ------------------------------------------------------------ */

struct xenstore *
xenstore_new(struct store *st)
{
	struct xenstore *xs = xu_calloc(1, sizeof(*xs));

	xs->st = st;
	if (store_xs_max_gen(st, &xs->gen) != XU_OK)
		log_error("xenstore: %s", store_errmsg(st));
	store_set_tx_hook(st, tx_hook, xs);
	return xs;
}

void
xenstore_free(struct xenstore *xs)
{
	struct pending *p;

	if (xs == NULL)
		return;
	store_set_tx_hook(xs->st, NULL, NULL);
	while (xs->watches != NULL) {
		struct watch *w = xs->watches;

		xs->watches = w->next;
		watch_free(w);
	}
	while ((p = xs->pend_head) != NULL) {
		xs->pend_head = p->next;
		free(p->path);
		free(p);
	}
	free(xs);
}

/* ---- conveniences for xend -------------------------------------------- */

int
xenstore_write_str(struct xenstore *xs, const char *path, const char *value)
{
	return xenstore_write(xs, &xs_dom0, NULL, path, value, strlen(value));
}

int
xenstore_writef(struct xenstore *xs, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int rc;

	va_start(ap, fmt);
	v = xu_vasprintf(fmt, ap);
	va_end(ap);
	rc = xenstore_write_str(xs, path, v);
	free(v);
	return rc;
}

char *
xenstore_read_str(struct xenstore *xs, const char *path)
{
	char *v = NULL;
	size_t len;

	if (xenstore_read(xs, &xs_dom0, NULL, path, &v, &len) != 0)
		return NULL;
	return v;
}

int
xenstore_remove(struct xenstore *xs, const char *path)
{
	int rc = xenstore_rm(xs, &xs_dom0, NULL, path);

	return rc == ENOENT ? 0 : rc;
}

int
xenstore_set_perms_str(struct xenstore *xs, const char *path, const char *perms)
{
	struct xsw_perm *p;
	size_t n;
	int rc;

	if ((rc = perms_parse(perms, &p, &n)) != 0)
		return rc;
	if ((rc = xenstore_mkdir(xs, &xs_dom0, NULL, path)) == 0)
		rc = xenstore_set_perms(xs, &xs_dom0, NULL, path, p, n);
	free(p);
	return rc;
}

char **
xenstore_list(struct xenstore *xs, const char *path, size_t *n)
{
	char **names = NULL;

	if (xenstore_directory(xs, &xs_dom0, NULL, path, &names, n) != 0) {
		*n = 0;
		return NULL;
	}
	return names;
}

void
xenstore_names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}
