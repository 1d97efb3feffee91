/* placeholder */
#ifndef DOMCFG_H
#define DOMCFG_H
#endif
