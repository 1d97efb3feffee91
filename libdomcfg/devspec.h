/* devspec.h: the device strings of a domain config (disk, vif, vfb, pci,
 * vscsi, vtpm, vusb, ioports, irq, access_control) turned into the
 * (device ...) elements classic xm sent to xend (reference sections
 * 4.4-4.6). Pure parsing: no file system, no xend, no random MACs. */
#ifndef DEVSPEC_H
#define DEVSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "xu.h"
#include "xv.h"

/* The guest device number of a virtual disk name as classic xend's
 * blkdev_name_to_number computed it: xvd[a-p] = 202*256 + 16*i + part,
 * xvd[q-z] and xvd[a-i][a-z] the extended scheme (1<<28) + (i<<8) + part
 * (*ext set), hd[a-t] on the IDE majors (64 minors a disk), sd[a-z] and
 * sd[a-i][a-z] on the SCSI majors (16 minors a disk), "0x..." hex and
 * plain decimal numbers. A "/dev/" prefix is allowed. Returns XU_OK or
 * XU_ERR_INVALID. */
int devspec_vdev_number(const char *name, int64_t *num, bool *ext);

/* Splits "k=v, k2=v2" into an XV_LIST of (k v) pairs in order, trimming
 * spaces around keys and values; a repeated key keeps its first place
 * and takes the last value. "" gives an empty list. An item without '='
 * fails with "<item> should be a pair, separated by an equals sign." */
int devspec_kv_parse(const char *spec, struct xv **pairs, struct xu_err *err);

/* Each parser below returns XU_OK and appends its (device ...)
 * element(s) to devs, or fails with a message that quotes the spec. */

/* UNAME,DEV,MODE[,BACKEND[,PROTOCOL]] -> (device (vbd|tap|tap2 ...)). */
int devspec_disk(const char *spec, struct xv *devs, struct xu_err *err);

/* k=v,... -> (device (vif ...)); "" is a vif with every default. Keys are
 * kept in the order written; no MAC is invented here (xend does that
 * when it creates the domain). */
int devspec_vif(const char *spec, struct xv *devs, struct xu_err *err);
int devspec_vif2(const char *spec, struct xv *devs, struct xu_err *err);

/* k=v,... -> (device (vkbd)) (device (vfb ...)). keymap is the domain's
 * keymap setting, used when the spec has none; display and xauthority
 * fill an SDL framebuffer's missing keys (NULL: leave them out). */
int devspec_vfb(const char *spec, const char *keymap, const char *display,
    const char *xauthority, struct xv *devs, struct xu_err *err);

/* All pci entries "[dom:]bus:dev.func[@vslot][,opt=val...]" together
 * make one (device (pci (dev ...) ...)); specs is an XV_LIST of strings. */
int devspec_pci(const struct xv *specs, struct xv *devs, struct xu_err *err);

/* All vscsi entries "PDEV,VDEV[,BACKEND]" grouped by the virtual host
 * number into (device (vscsi (feature-host N) (dev ...) ...)). */
int devspec_vscsi(const struct xv *specs, struct xv *devs, struct xu_err *err);

/* "usbver=N,numports=N,port_N=..." -> (device (vusb ...)). */
int devspec_vusb(const char *spec, struct xv *devs, struct xu_err *err);

/* "FROM[-TO]" in hex -> (device (ioports (from 0x..) (to 0x..))). */
int devspec_ioports(const char *spec, struct xv *devs, struct xu_err *err);

/* An interrupt line number -> (device (irq (irq N))). */
int devspec_irq(int64_t irq, struct xv *devs, struct xu_err *err);

/* "instance=N,backend=DOM,uuid=U" -> (device (vtpm ...)). */
int devspec_vtpm(const char *spec, struct xv *devs, struct xu_err *err);

/* "policy=P,label=L" -> (security ((access_control (policy P) (label L)))),
 * stored in *elem. */
int devspec_access_control(const char *spec, struct xv **elem, struct xu_err *err);

#endif
