/* methods.c: the table of xend's XML-RPC methods (reference 6.2): name,
 * argument signature (rpc.h), handler and a line of help. */
#include "methods.h"

const struct rpc_method xend_methods[] = {
	{ "xend.node.dmesg.clear", "", node_dmesg_clear,
	    "Empty the host-side message buffer." },
	{ "xend.node.dmesg.info", "", node_dmesg_info,
	    "Recent host-side messages of xend and its domains' engines." },
	{ "xend.node.info", "|x", node_info,
	    "Host information as [key, value] pairs (xm info)." },
	{ "xend.node.log", "", node_log,
	    "The text of xend's log file." },
};
const size_t xend_nmethods = sizeof(xend_methods) / sizeof(xend_methods[0]);
