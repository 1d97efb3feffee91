/* domain.c: the table of domains xend knows (Domain-0, running and managed
 * ones), their lookup by name, id or UUID in classic order, and the
 * mapping of a domain to its row in the state store and the event log. */
#include "domain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/event.h>

#include "daemon.h"
#include "events.h"
#include "device.h"
#include "log.h"
#include "memory.h"
#include "sxp.h"
#include "store.h"

#define DOM0_UUID	"00000000-0000-0000-0000-000000000000"

double
domain_now(void)
{
	return xu_wall_s();
}

struct domain *
domain_new(struct domains *t)
{
	struct domain *d = xu_calloc(1, sizeof(*d));

	d->tab = t;
	d->ev_fd = -1;
	d->restore_pos_fd = -1;
	d->refs = 1;
	d->phase = DOM_PHASE_STARTING;
	domain_config_init(&d->cfg);
	return d;
}

void
domain_ref(struct domain *d)
{
	d->refs++;
}

void
domain_unref(struct domain *d)
{
	if (d == NULL || --d->refs > 0)
		return;
	if (d->adopt_timer != NULL)
		event_free(d->adopt_timer);
	domain_claim_free(d);
	while (d->waiters != NULL) {
		struct domain_waiter *w = d->waiters;

		d->waiters = w->next;
		free(w);
	}
	free(d->name);
	free(d->restore_tls);
	if (d->restore_pos_fd >= 0)
		close(d->restore_pos_fd);
	xv_free(d->vm);
	devices_free(d->devs);
	domain_config_dispose(&d->cfg);
	free(d);
}

void
domains_add(struct domains *t, struct domain *d)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xu_realloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = d;
}

void
domains_remove(struct domains *t, struct domain *d)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i] == d) {
			memmove(&t->v[i], &t->v[i + 1],
			    (t->n - i - 1) * sizeof(*t->v));
			t->n--;
			d->removed = true;
			domain_unref(d);
			return;
		}
	}
}

bool
domain_running(const struct domain *d)
{
	return !d->is_dom0 && d->domid != 0;
}

bool
domains_any_running(struct domains *t)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++)
		if (domain_running(t->v[i]))
			return true;
	return false;
}

/* ---- lookup ------------------------------------------------------------ */

struct domain *
domains_by_name(struct domains *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i]->name, name) == 0)
			return t->v[i];
	return NULL;
}

struct domain *
domains_by_uuid(struct domains *t, const char *uuid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->v[i]->uuid, uuid) == 0)
			return t->v[i];
	return NULL;
}

struct domain *
domains_by_domid(struct domains *t, uint32_t domid)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct domain *d = t->v[i];

		if (d->is_dom0 ? domid == 0 : (domid != 0 && d->domid == domid))
			return d;
	}
	return NULL;
}

/* Running means it has a domid now (dom0 always); managed means it is
 * only a record. */
static bool
is_running(const struct domain *d)
{
	return d->is_dom0 || d->domid != 0 || d->phase != DOM_PHASE_HALTED;
}

static struct domain *
find(struct domains *t, bool running, bool (*match)(const struct domain *,
    const char *), const char *id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (is_running(t->v[i]) == running && match(t->v[i], id))
			return t->v[i];
	return NULL;
}

static bool
match_name(const struct domain *d, const char *id)
{
	return strcmp(d->name, id) == 0;
}

static bool
match_uuid(const struct domain *d, const char *id)
{
	return strcasecmp(d->uuid, id) == 0;
}

static bool
match_domid(const struct domain *d, const char *id)
{
	int64_t v;

	if (xu_parse_int64(id, &v) != XU_OK || v < 0 || v > UINT32_MAX)
		return false;
	return d->is_dom0 ? v == 0 : (v != 0 && d->domid == (uint32_t)v);
}

void *
domains_lookup_hook(void *arg, const char *id)
{
	struct domains *t = arg;
	struct domain *d;

	if (id == NULL)
		return NULL;
	if ((d = find(t, true, match_name, id)) != NULL ||
	    (d = find(t, false, match_name, id)) != NULL ||
	    (d = find(t, true, match_domid, id)) != NULL ||
	    (d = find(t, true, match_uuid, id)) != NULL ||
	    (d = find(t, false, match_uuid, id)) != NULL)
		return d;
	return NULL;
}

static int
by_name(const void *a, const void *b)
{
	const struct domain *x = *(struct domain *const *)a;
	const struct domain *y = *(struct domain *const *)b;

	return strcmp(x->name, y->name);
}

struct domain **
domains_sorted(struct domains *t, size_t *n)
{
	struct domain **v = xu_calloc(t->n + 1, sizeof(*v));

	memcpy(v, t->v, t->n * sizeof(*v));
	qsort(v, t->n, sizeof(*v), by_name);
	*n = t->n;
	return v;
}

/* ---- the record -------------------------------------------------------- */

const char *
domain_state_word(const struct domain *d)
{
	switch (d->phase) {
	case DOM_PHASE_STARTING:
		return "starting";
	case DOM_PHASE_RESTARTING:
		return "restarting";
	case DOM_PHASE_DESTROYING:
		return "destroying";
	case DOM_PHASE_HALTED:
		return d->suspended ? "suspended" : "halted";
	case DOM_PHASE_ACTIVE:
		break;
	}
	if (!d->have_info)
		return "running";
	switch (d->info.state) {
	case XC_DOM_PAUSED:
		return "paused";
	case XC_DOM_SHUTDOWN:
		return "shutdown";
	case XC_DOM_CRASHED:
		return "crashed";
	case XC_DOM_DYING:
		return "destroying";
	case XC_DOM_RUNNING:
		break;
	}
	return "running";
}

int
domain_save(struct domain *d)
{
	struct store *st = d->tab->x->store;
	struct store_domain row;
	int rc;

	if (d->is_dom0)
		return XU_OK;
	store_domain_init(&row);
	snprintf(row.uuid, sizeof(row.uuid), "%s", d->uuid);
	row.name = d->name;
	row.domid = d->domid != 0 ? (int64_t)d->domid : -1;
	row.managed = d->managed;
	row.config = sxp_to_string(d->vm);
	row.state = (char *)domain_state_word(d);
	row.restart_count = d->restart_count;
	row.start_time = d->start_time;
	rc = store_domain_put(st, &row);
	if (rc != XU_OK)
		log_error("domain %s: cannot record: %s", d->name, store_errmsg(st));
	else
		snprintf(d->saved_state, sizeof(d->saved_state), "%s", row.state);
	free(row.config);
	return rc;
}

int
domain_forget(struct domain *d)
{
	struct store *st = d->tab->x->store;
	int rc;

	/* the instance's devices go with it: taps, nodes, disk locks */
	devices_release(d, false);
	domain_boot_forget(d);
	if (store_claim_delete(st, d->uuid) != XU_OK)
		log_error("domain %s: %s", d->name, store_errmsg(st));
	if (!d->managed)
		domain_platform_forget(d);
	if (d->managed) {
		d->domid = 0;
		d->phase = DOM_PHASE_HALTED;
		d->have_info = false;
		return domain_save(d);
	}
	if ((rc = store_domain_delete(st, d->uuid)) != XU_OK &&
	    rc != XU_ERR_NOT_FOUND) {
		log_error("domain %s: cannot remove its record: %s", d->name,
		    store_errmsg(st));
		return rc;
	}
	return XU_OK;
}

static void
vlog_event(struct domain *d, const char *type, struct xv *data,
    const char *fmt, va_list ap)
{
	char *text = xu_vasprintf(fmt, ap);

	if (d->domid != 0)
		log_info("Domain %s (%u): %s", d->name, d->domid, text);
	else
		log_info("Domain %s: %s", d->name, text);
	events_record(d->tab->x, d->uuid, d->name,
	    d->domid != 0 ? (int64_t)d->domid : -1, type, data, text);
	free(text);
}

void
domain_log(struct domain *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_event(d, NULL, NULL, fmt, ap);
	va_end(ap);
}

void
domain_event(struct domain *d, const char *type, struct xv *data,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_event(d, type, data, fmt, ap);
	va_end(ap);
}

int
domain_set_name(struct domain *d, const char *name, struct xu_err *err)
{
	struct domain *other;

	if (!domain_name_valid(name)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Invalid VM Name '%.80s': use 1 "
		    "to %d letters, digits and _ . : + -", name, DOMAIN_NAME_MAX);
		return XU_ERR_INVALID;
	}
	other = domains_by_name(d->tab, name);
	if (other != NULL && other != d) {
		if (other->domid != 0 || other->is_dom0)
			xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' already "
			    "exists with ID %u", name, other->domid);
		else
			xu_err_set(err, XU_ERR_INVALID, 0, "Domain '%s' already "
			    "exists (managed, not running)", name);
		return XU_ERR_INVALID;
	}
	free(d->name);
	d->name = xu_strdup(name);
	domain_sxp_set(d->vm, "name", xv_str(name));
	free(d->cfg.name);
	d->cfg.name = xu_strdup(name);
	return XU_OK;
}

/* ---- the table's life --------------------------------------------------- */

static double
restart_guard(void)
{
	const char *s = getenv("XEND_RESTART_GUARD_SECS");
	int64_t v;

	if (s != NULL && xu_parse_int64(s, &v) == XU_OK && v >= 0 && v < 86400) {
		log_warn("restart loop guard set to %lld s by XEND_RESTART_GUARD_SECS "
		    "(for tests only)", (long long)v);
		return (double)v;
	}
	return DOMAIN_RESTART_GUARD_SECS;
}

static struct domain *
dom0_new(struct domains *t)
{
	struct domain *d = domain_new(t);

	d->is_dom0 = true;
	d->name = xu_strdup("Domain-0");
	snprintf(d->uuid, sizeof(d->uuid), "%s", DOM0_UUID);
	d->phase = DOM_PHASE_ACTIVE;
	d->vm = xv_list();
	xv_append(d->vm, xv_str("vm"));
	xv_append_pair(d->vm, "name", xv_str(d->name));
	d->cfg.on_reboot = DOM_ACT_RESTART;
	d->cfg.on_crash = DOM_ACT_RESTART;
	return d;
}

struct domains *
domains_new(struct xend *x)
{
	struct domains *t = xu_calloc(1, sizeof(*t));

	t->x = x;
	t->restart_guard = restart_guard();
	t->dom0 = dom0_new(t);
	domains_add(t, t->dom0);
	memory_init(t);
	domains_reconcile(t);
	domains_claims_reconcile(t);
	domains_saves_reconcile(t);
	return t;
}

void
domains_free(struct domains *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		struct domain *d = t->v[i];

		domain_start_cancel(d);
		domain_unsubscribe(d);
		if (d->adopt_timer != NULL)
			evtimer_del(d->adopt_timer);
		d->removed = true;
		domain_unref(d);
	}
	free(t->v);
	free(t);
}
