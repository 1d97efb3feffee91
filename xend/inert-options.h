/* inert-options.h: warnings for xend-config.sxp options that have no
 * effect here. */
#ifndef XEND_INERT_OPTIONS_H
#define XEND_INERT_OPTIONS_H

#include <stddef.h>

struct xend_options;

/* Logs one warning per such option set in the file; returns how many. */
size_t inert_options_warn(const struct xend_options *opts);

#endif
