/* placeholder */
#ifndef DEVSPEC_H
#define DEVSPEC_H
#endif
