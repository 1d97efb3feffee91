/* domain-save.c: a domain's state to a file and back: xm save and
 * restore, and a managed domain's suspend and resume to its checkpoint
 * under xend-domains-path. The file (checkpoint.h) is written under a
 * temporary name and renamed when complete, so a failed save leaves no
 * file and the domain as it was; the engine's stream goes from QEMU to
 * the file through a descriptor libxc passes on, never through xend. */
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "checkpoint.h"
#include "daemon.h"
#include "fault.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "xend-options.h"

struct save_op {
	struct domain *d;
	char *path, *tmp;
	int fd, wait_fd;
	off_t len_off, stream_off;
	bool checkpoint, suspend, was_running;
	bool recorded;		/* a row in the store's saves */
	domain_result_fn done;
	void *arg;
	struct event *ev;
};

char *
domain_checkpoint_path(const struct domain *d)
{
	return xu_asprintf("%s/%s/checkpoint.chk",
	    xend_opt_str(d->tab->x->opts, "xend-domains-path"), d->uuid);
}

static void
save_op_free(struct save_op *op)
{
	if (op->ev != NULL)
		event_free(op->ev);
	if (op->fd >= 0)
		close(op->fd);
	/* the record goes first: a record without its partial file would
	 * read as a completed save */
	if (op->recorded && store_save_delete(op->d->tab->x->store, op->d->uuid) != XU_OK)
		log_error("Domain %s: cannot remove the record of its save: %s",
		    op->d->name, store_errmsg(op->d->tab->x->store));
	if (op->tmp != NULL)
		unlink(op->tmp);
	free(op->tmp);
	free(op->path);
	op->d->saving = false;
	domain_unref(op->d);
	free(op);
}

static void
save_fail(struct save_op *op, const char *msg)
{
	struct domain *d = op->d;

	domain_log(d, "save to %s failed: %s", op->path, msg);
	op->done(d, XU_ERR_IO, msg, op->arg);
	save_op_free(op);
}

/* The file is complete: it takes its name, then the domain goes (or,
 * for a checkpoint, runs on). */
static void
save_complete(struct save_op *op)
{
	struct domain *d = op->d;
	struct xu_err err = { 0 };
	char msg[600];

	if (ckpt_finish(op->fd, op->len_off, op->stream_off, &err) != XU_OK ||
	    fsync(op->fd) != 0 || rename(op->tmp, op->path) != 0) {
		snprintf(msg, sizeof(msg), "domain '%s': cannot complete %s: %s",
		    d->name, op->path, err.msg[0] ? err.msg : strerror(errno));
		/* the guest is paused, its state is lost: it runs on */
		if (op->was_running)
			(void)xc_domain_unpause(d->tab->x->xc, d->domid);
		save_fail(op, msg);
		return;
	}
	free(op->tmp);
	op->tmp = NULL;
	FAULT_POINT("save.renamed", d->name);
	domain_event(d, "saved", events_data("path", xv_str(op->path),
	    "checkpoint", xv_int(op->checkpoint), NULL), "saved to %s", op->path);
	if (op->checkpoint) {
		if (op->was_running && xc_domain_unpause(d->tab->x->xc, d->domid) != XC_OK)
			log_error("Domain %s: saved, but cannot run again: %s", d->name,
			    xc_last_error(d->tab->x->xc));
	} else {
		d->suspended = op->suspend;
		if (domain_teardown(d, op->suspend ? "suspended" : "saved", &err) != XU_OK) {
			op->done(d, XU_ERR_IO, err.msg, op->arg);
			save_op_free(op);
			return;
		}
	}
	op->done(d, XU_OK, NULL, op->arg);
	save_op_free(op);
}

static void
save_answer(evutil_socket_t fd, short what, void *arg)
{
	struct save_op *op = arg;
	xc_interface *xc = op->d->tab->x->xc;
	uint64_t bytes;
	char msg[600];
	int rc;

	rc = xc_domain_save_finish(xc, op->wait_fd, &bytes);
	op->wait_fd = -1;
	if (rc != XC_OK) {
		snprintf(msg, sizeof(msg), "domain '%s': cannot save: %s", op->d->name,
		    *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc));
		save_fail(op, msg);
		return;
	}
	save_complete(op);
}

/* The save in the store, at step: a new xend finishes it or abandons it
 * (domains_saves_reconcile). */
static int
record_save(struct save_op *op, const char *step, struct xu_err *err)
{
	struct store *st = op->d->tab->x->store;
	struct store_save v = { .path = op->path, .tmp = op->tmp,
	    .was_running = op->was_running, .checkpoint = op->checkpoint,
	    .suspend = op->suspend };

	snprintf(v.uuid, sizeof(v.uuid), "%s", op->d->uuid);
	snprintf(v.step, sizeof(v.step), "%s", step);
	if (store_save_put(st, &v) != XU_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "domain '%s': cannot record the save: %s",
		    op->d->name, store_errmsg(st));
		return XU_ERR_IO;
	}
	op->recorded = true;
	return XU_OK;
}

static int
save_start(struct domain *d, const char *path, bool checkpoint, bool suspend,
    domain_result_fn done, void *arg, struct xu_err *err)
{
	xc_interface *xc = d->tab->x->xc;
	struct save_op *op;
	int rc;

	if (d->is_dom0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "Cannot save privileged domain 0");
		return XU_ERR_INVALID;
	}
	if (!domain_running(d) || d->phase != DOM_PHASE_ACTIVE || !domain_refresh(d) ||
	    (d->info.state != XC_DOM_RUNNING && d->info.state != XC_DOM_PAUSED)) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is not running: only a "
		    "running or paused domain can be saved", d->name);
		return XU_ERR_INVALID;
	}
	if (d->saving) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is already being saved",
		    d->name);
		return XU_ERR_INVALID;
	}
	op = xu_calloc(1, sizeof(*op));
	op->d = d;
	op->fd = op->wait_fd = -1;
	op->path = xu_strdup(path);
	op->tmp = xu_asprintf("%s.part-%ld", path, (long)getpid());
	op->checkpoint = checkpoint;
	op->suspend = suspend;
	op->was_running = d->info.state == XC_DOM_RUNNING;
	op->done = done;
	op->arg = arg;
	domain_ref(d);
	d->saving = true;
	if ((rc = record_save(op, "recorded", err)) != XU_OK)
		goto fail;
	FAULT_POINT("save.recorded", d->name);
	op->fd = open(op->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (op->fd < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "Unable to create file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if ((rc = ckpt_write_header(op->fd, d->vm, &op->len_off, err)) != XU_OK)
		goto fail;
	op->stream_off = lseek(op->fd, 0, SEEK_CUR);
	if ((rc = record_save(op, "streaming", err)) != XU_OK)
		goto fail;
	if ((rc = xc_domain_save_start(xc, d->domid, op->fd, 0, &op->wait_fd)) != XC_OK) {
		xu_err_set(err, XU_ERR_IO, 0, "domain '%s': cannot save: %s", d->name,
		    *xc_last_error(xc) ? xc_last_error(xc) : xc_strerror(rc));
		goto fail;
	}
	domain_log(d, "saving to %s%s", path, checkpoint ? " (checkpoint)" : "");
	FAULT_POINT("save.streaming", d->name);
	op->ev = event_new(d->tab->x->base, op->wait_fd, EV_READ, save_answer, op);
	event_add(op->ev, NULL);
	return XU_OK;
fail:
	save_op_free(op);
	return err->rc ? err->rc : XU_ERR_IO;
}

int
domain_save_to(struct domain *d, const char *path, bool checkpoint,
    domain_result_fn done, void *arg, struct xu_err *err)
{
	if (path == NULL || *path != '/') {
		xu_err_set(err, XU_ERR_INVALID, 0, "save: the file must be an absolute "
		    "path, got '%.200s'", path ? path : "");
		return XU_ERR_INVALID;
	}
	return save_start(d, path, checkpoint, false, done, arg, err);
}

int
domain_suspend(struct domain *d, domain_result_fn done, void *arg, struct xu_err *err)
{
	char *path, *dir;
	int rc;

	if (!d->managed) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is not managed (it was "
		    "created with xm create): use xm save", d->name);
		return XU_ERR_INVALID;
	}
	path = domain_checkpoint_path(d);
	dir = xu_strndup(path, (size_t)(strrchr(path, '/') - path));
	if (xu_mkdir_p(dir, 0700) < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "domain '%s': cannot create %s: %s",
		    d->name, dir, strerror(errno));
		rc = XU_ERR_IO;
	} else {
		rc = save_start(d, path, false, true, done, arg, err);
	}
	free(dir);
	free(path);
	return rc;
}

/* ---- restore ------------------------------------------------------------ */

/* Opens a saved domain and checks all of it that can be checked before
 * anything is created; on success *fdp is positioned at the stream. */
static int
open_saved(struct domains *t, const char *path, int *fdp, struct ckpt_info *info,
    struct xu_err *err)
{
	xc_interface *xc = t->x->xc;
	int fd, rc;

	*fdp = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		xu_err_set(err, XU_ERR_IO, 0, "Unable to read file %s: %s", path,
		    strerror(errno));
		return XU_ERR_IO;
	}
	if ((rc = ckpt_read(fd, path, info, err)) != XU_OK) {
		close(fd);
		return rc;
	}
	if ((rc = xc_domain_restore_check(xc, fd)) != XC_OK) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s: %s", path, xc_last_error(xc));
		ckpt_info_dispose(info);
		close(fd);
		return XU_ERR_INVALID;
	}
	*fdp = fd;
	return XU_OK;
}

/* A restore or resume under way: the file and whom to tell. */
struct resume_op {
	char *path;
	domain_started_fn done;
	void *arg;
};

static void
restored(struct domain *d, int rc, const char *msg, void *arg)
{
	struct resume_op *op = arg;

	if (rc == XC_OK)
		domain_event(d, "restored", events_data("path", xv_str(op->path),
		    NULL), "restored from %s", op->path);
	op->done(d, rc, msg, op->arg);
	free(op->path);
	free(op);
}

int
domain_restore_from(struct domains *t, const char *path, bool paused,
    domain_started_fn done, void *arg, struct xu_err *err)
{
	struct resume_op *op;
	struct ckpt_info info;
	struct domain *d;
	int fd, rc;

	if ((rc = open_saved(t, path, &fd, &info, err)) != XU_OK)
		return rc;
	d = domain_from_config(t, info.vm, "restore", err);
	ckpt_info_dispose(&info);
	if (d == NULL) {
		close(fd);
		return err->rc ? err->rc : XU_ERR_INVALID;
	}
	/* its offset is QEMU's as it reads: the progress xm shows */
	d->restore_pos_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	op = xu_calloc(1, sizeof(*op));
	op->path = xu_strdup(path);
	op->done = done;
	op->arg = arg;
	if ((rc = domain_admit(d, "restore", err)) != XU_OK ||
	    (rc = domain_launch(d, paused, fd, restored, op, err)) != XU_OK) {
		close(fd);
		domain_unref(d);
		free(op->path);
		free(op);
		return rc;
	}
	domain_log(d, "restoring from %s", path);
	return XU_OK;
}

static void
resumed(struct domain *d, int rc, const char *msg, void *arg)
{
	struct resume_op *op = arg;

	if (rc == XC_OK) {
		/* the image is spent: a later start boots afresh */
		if (unlink(op->path) != 0)
			log_warn("Domain %s: cannot remove %s: %s", d->name, op->path,
			    strerror(errno));
		d->suspended = false;
		(void)domain_save(d);
		domain_event(d, "restored", events_data("path", xv_str(op->path),
		    NULL), "resumed from %s", op->path);
	}
	op->done(d, rc, msg, op->arg);
	free(op->path);
	free(op);
}

int
domain_resume(struct domain *d, bool paused, domain_started_fn done, void *arg,
    struct xu_err *err)
{
	struct ckpt_info info;
	struct resume_op *op;
	char *path;
	int fd, rc;

	if (!d->managed || d->phase != DOM_PHASE_HALTED || !d->suspended) {
		xu_err_set(err, XU_ERR_INVALID, 0, "domain '%s' is not suspended",
		    d->name);
		return XU_ERR_INVALID;
	}
	path = domain_checkpoint_path(d);
	if ((rc = open_saved(d->tab, path, &fd, &info, err)) != XU_OK) {
		free(path);
		return rc;
	}
	if (strcmp(xv_child_str(info.vm, "uuid", ""), d->uuid) != 0) {
		xu_err_set(err, XU_ERR_INVALID, 0, "%s belongs to another domain "
		    "(UUID %s)", path, xv_child_str(info.vm, "uuid", "?"));
		ckpt_info_dispose(&info);
		close(fd);
		free(path);
		return XU_ERR_INVALID;
	}
	ckpt_info_dispose(&info);
	if ((rc = domain_admit(d, "resume", err)) != XU_OK) {
		close(fd);
		free(path);
		return rc;
	}
	op = xu_calloc(1, sizeof(*op));
	op->path = path;
	op->done = done;
	op->arg = arg;
	d->phase = DOM_PHASE_STARTING;
	if ((rc = domain_launch(d, paused, fd, resumed, op, err)) != XU_OK) {
		d->phase = DOM_PHASE_HALTED;
		close(fd);
		free(op->path);
		free(op);
		return rc;
	}
	return XU_OK;
}

/* ---- after a restart ---------------------------------------------------- */

static void
save_recover(struct domains *t, const struct store_save *v)
{
	struct store *st = t->x->store;
	struct domain *d = domains_by_uuid(t, v->uuid);
	struct xu_err err = { 0 };
	bool have_tmp = access(v->tmp, F_OK) == 0;
	/* the partial file is renamed only once complete */
	bool complete = strcmp(v->step, "streaming") == 0 && !have_tmp &&
	    access(v->path, F_OK) == 0;
	bool live = d != NULL && d->phase == DOM_PHASE_ACTIVE && d->domid != 0;

	if (complete && live && !v->checkpoint) {
		domain_log(d, "its save to %s was complete when xend stopped: "
		    "finished now", v->path);
		d->suspended = v->suspend;
		if (domain_teardown(d, v->suspend ? "suspended" : "saved", &err) != XU_OK) {
			log_error("%s", err.msg);
			return;		/* the record stays: tried again */
		}
		if (store_save_delete(st, v->uuid) != XU_OK)
			log_error("cannot remove the record of a save to %s: %s",
			    v->path, store_errmsg(st));
		return;
	}
	/* the record first: see save_op_free */
	if (store_save_delete(st, v->uuid) != XU_OK) {
		log_error("cannot remove the record of a save to %s: %s", v->path,
		    store_errmsg(st));
		return;
	}
	if (have_tmp && unlink(v->tmp) != 0)
		log_error("cannot remove %s: %s", v->tmp, strerror(errno));
	if (!live)
		return;
	if (v->was_running && d->info.state == XC_DOM_PAUSED &&
	    xc_domain_unpause(t->x->xc, d->domid) != XC_OK)
		log_error("Domain %s: cannot run again after its abandoned save: %s",
		    d->name, xc_last_error(t->x->xc));
	else if (v->was_running && d->info.state == XC_DOM_PAUSED)
		d->info.state = XC_DOM_RUNNING;
	if (complete)
		domain_log(d, "its checkpoint %s was complete when xend stopped", v->path);
	else
		domain_log(d, "its save to %s was interrupted by xend's stop: "
		    "abandoned, %s", v->path, v->was_running ? "it runs on" :
		    "it stays paused");
}

void
domains_saves_reconcile(struct domains *t)
{
	struct store_save *v = NULL;
	size_t n = 0, i;

	if (store_save_list(t->x->store, &v, &n) != XU_OK) {
		log_error("cannot list the saves under way: %s",
		    store_errmsg(t->x->store));
		return;
	}
	for (i = 0; i < n; i++)
		save_recover(t, &v[i]);
	store_save_list_free(v, n);
}
