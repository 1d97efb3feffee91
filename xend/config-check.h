/* config-check.h: `xend -n`, the configuration check. */
#ifndef XEND_CONFIG_CHECK_H
#define XEND_CONFIG_CHECK_H

#include <stdio.h>

/* Reads the configuration (path: -f, else $XEND_CONFIG, else the default
 * under root) and prints the effective configuration to out, one
 * (name value) form per line, or every error to err. Warnings and notes go
 * to err either way. Returns the exit status: 0, or 1 on any error. */
int xend_config_check(const char *path, const char *root, FILE *out, FILE *err);

#endif
