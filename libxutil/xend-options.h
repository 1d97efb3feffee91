/* placeholder */
#ifndef XEND_OPTIONS_H
#define XEND_OPTIONS_H
#endif
