/* dominfo.h: what xm's domain commands read from xend's domain SXPs
 * ((domain (domid 3) (name web1) ...), reference 3.3), and the calls that
 * fetch them and act on one domain. */
#ifndef XM_DOMINFO_H
#define XM_DOMINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "rpc.h"
#include "xv.h"

/* The fields classic xm's parse_doms_info took, with its defaults. The
 * strings point into the SXP they were read from. */
struct xm_dominfo {
	const char *name;	/* "??" when missing */
	char domid[24];		/* text; "" when the domain is not running */
	int64_t id;		/* domid as a number, -1 when not running */
	const char *uuid;	/* NULL when missing */
	const char *state;	/* six letters (reference 3.2), "" when missing */
	int64_t memory;		/* MiB */
	int64_t vcpus;		/* online_vcpus, else vcpus */
	double cpu_time;	/* seconds */
	double start_time;	/* epoch seconds, < 0 when unknown */
};

/* Fills di from a (domain ...) SXP; missing or mistyped fields take the
 * defaults above, as classic xm did. */
void xm_dominfo_parse(const struct xv *dom, struct xm_dominfo *di);

/* A number child of dom (int, double or numeric text); def when absent or
 * not a number. */
double xm_sxp_num(const struct xv *dom, const char *key, double def);

/* One word for a state string (reference 3.2, xm domstate). Classic xm
 * tested "found at index > 0", so a domain running on a CPU (r in the
 * first position) printed nothing; any position counts here. A live
 * domain with no flag set is runnable, waiting for a CPU: "running". */
const char *xm_state_word(const char *state, bool paused_by_admin);

/* xend.domain(dom, full): the domain's SXP (caller frees). Failures are
 * reported on stderr; returns the exit status (3: no such domain). */
int xm_get_domain(const char *dom, bool full, struct xv **sxp);

/* Named domains: one xend.domain call each, in the order given, into a
 * list (caller frees); the first that fails ends it (3: no such domain). */
int xm_get_named(int argc, char **argv, bool full, struct xv **list);

/* xend.domains_with_state(True, state, full): every domain in that state
 * ("all" for every one), sorted by name as xend sends them. */
int xm_get_domains(const char *state, bool full, struct xv **list);
/* The same, each SXP with xm list's columns only (domid, uuid, name,
 * memory, start_time, cpu_time, online_vcpus, state): what the table,
 * uptime and shutdown -a need, at a fraction of the size. */
int xm_get_domains_brief(const char *state, struct xv **list);

/* METHOD(dom, args...): a per-domain call; args is a list of the extra
 * arguments (consumed; NULL for none); *res may be NULL when the result
 * is not wanted. Reports failures like xm_get_domain. */
int xm_dom_call(const char *method, const char *dom, struct xv *args,
    struct xv **res);

/* The same without printing: returns the XM_RPC_* status, err filled. */
int xm_dom_try(const char *method, const char *dom, struct xv *args,
    struct xv **res, struct xm_rpc_err *err);

/* True when err says xend knows no such domain (fault 3). */
/* The first (device (KIND ...)) of a full domain SXP, or NULL. */
const struct xv *xm_domain_device(const struct xv *dom, const char *kind);
bool xm_rpc_no_domain(const struct xm_rpc_err *err);

/* Prints err as xm reports it and returns the exit status. */
int xm_report(const struct xm_rpc_err *err);

/* Monotonic seconds, for the waits of shutdown, reboot and create -c. */
double xm_now(void);
void xm_sleep(double seconds);

#endif
