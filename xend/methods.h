/* methods.h: the handlers of xend's XML-RPC methods, one group per file;
 * methods.c puts them in the one table. */
#ifndef XEND_METHODS_H
#define XEND_METHODS_H

#include <stddef.h>

#include "rpc-server.h"

extern const struct rpc_method xend_methods[];
extern const size_t xend_nmethods;

/* node.c: the host. */
int node_info(struct rpc_call *c);
int node_log(struct rpc_call *c);
int node_dmesg_info(struct rpc_call *c);
int node_dmesg_clear(struct rpc_call *c);

#endif
