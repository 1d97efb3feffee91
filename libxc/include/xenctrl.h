/* xenctrl.h: libxc, the domain/host control API xend uses; it arrives with
 * the domains issue. */
#ifndef XENCTRL_H
#define XENCTRL_H

/* Version of the xend<->xenhv protocol this library speaks. */
int xc_protocol_version(void);

#endif
