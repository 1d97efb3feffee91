/* bootmenu.h: the interactive boot menu of xm create -c for a pygrub
 * guest (its own menu, read by xend's pygrub). */
#ifndef XM_BOOTMENU_H
#define XM_BOOTMENU_H

#include "xv.h"

/* Shows menu ((menu (default N) (timeout S) (entry (title T) ...) ...))
 * on the terminal (stdin raw meanwhile) and returns the entry chosen,
 * counted from 0: the highlighted one on Enter or when the countdown
 * ends; -1 when the user cancels (q, Ctrl-C, Ctrl-]); -2 for a menu it
 * cannot show. */
long xm_boot_menu(const struct xv *menu);

#endif
