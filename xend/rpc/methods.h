/* methods.h: the handlers of xend's XML-RPC methods, one group per file;
 * methods.c puts them in the one table. */
#ifndef XEND_METHODS_H
#define XEND_METHODS_H

#include <stddef.h>

#include "rpc-server.h"

struct domain;

extern const struct rpc_method xend_methods[];
extern const size_t xend_nmethods;

/* node-methods.c: the host. */
int node_info(struct rpc_call *c);
int node_log(struct rpc_call *c);
int node_dmesg_info(struct rpc_call *c);
int node_dmesg_clear(struct rpc_call *c);

/* event-methods.c: the event stream (xm events). */
int event_list(struct rpc_call *c);

/* domain-methods.c: the domains. */
int dom_list(struct rpc_call *c);
int dom_list_with_state(struct rpc_call *c);
int dom_stats(struct rpc_call *c);
int dom_info(struct rpc_call *c);
int dom_vnc_password(struct rpc_call *c);
int dom_create(struct rpc_call *c);
int dom_boot_menu(struct rpc_call *c);
int dom_pause(struct rpc_call *c);
int dom_unpause(struct rpc_call *c);
int dom_shutdown(struct rpc_call *c);
int dom_send_sysrq(struct rpc_call *c);
int dom_send_trigger(struct rpc_call *c);
int dom_dump(struct rpc_call *c);
int dom_reset(struct rpc_call *c);
int dom_destroy(struct rpc_call *c);
int dom_set_name(struct rpc_call *c);
int dom_set_pause_flag(struct rpc_call *c);
int dom_get_pause_flag(struct rpc_call *c);
int dom_get_restart_count(struct rpc_call *c);
int dom_wait_for_devices(struct rpc_call *c);

/* migrate-methods.c: live migration. */
int dom_migrate(struct rpc_call *c);
int dom_migration_status(struct rpc_call *c);
/* resource-methods.c: memory, vCPUs, scheduler. */
int dom_set_memory_target(struct rpc_call *c);
int dom_maxmem_set(struct rpc_call *c);
int dom_set_vcpu_count(struct rpc_call *c);
int dom_get_vcpu_info(struct rpc_call *c);
int dom_pincpu(struct rpc_call *c);
int dom_sched_credit_get(struct rpc_call *c);
int dom_sched_credit_set(struct rpc_call *c);

/* managed-methods.c: managed domains, save and restore; and the answer
 * (nil or a fault) of a deferred call finished by a domain_result_fn. */
void dom_result_nil(struct domain *d, int rc, const char *msg, void *arg);
int dom_new(struct rpc_call *c);
int dom_start(struct rpc_call *c);
int dom_delete(struct rpc_call *c);
int dom_suspend(struct rpc_call *c);
int dom_resume(struct rpc_call *c);
int dom_save(struct rpc_call *c);
int dom_restore(struct rpc_call *c);
/* device-methods.c: a domain's devices. */
int dom_device_create(struct rpc_call *c);
int dom_destroy_device(struct rpc_call *c);
int dom_get_device_sxprs(struct rpc_call *c);
int dom_get_block_device_class(struct rpc_call *c);
int dom_device_configure(struct rpc_call *c);

#endif
