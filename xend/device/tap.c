/* tap.c: the tap behind each vif: made persistent by xend before the
 * hotplug script and QEMU see it (QEMU attaches by name), given netback's
 * MAC (fe:ff:ff:ff:ff:ff, so a bridge never takes it for its own), and
 * removed when the domain's instance ends. A few ioctls: nothing here
 * blocks. */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#define TUN_DEVICE	"/dev/net/tun"

/* Attaches to (or makes) the tap name; the fd, or -1 with errno. */
static int
tap_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
set_mac(const char *name)
{
	static const unsigned char mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ifreq ifr;
	int s, r;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, sizeof(mac));
	r = ioctl(s, SIOCSIFHWADDR, &ifr);
	close(s);
	return r;
}

int
tap_create(const char *name, char *err, size_t errlen)
{
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "interface name %s is too long", name);
		return XU_ERR_INVALID;
	}
	if ((fd = tap_open(name)) < 0) {
		if (errno == EBUSY)
			snprintf(err, errlen, "interface %s is in use by another program "
			    "or domain", name);
		else if (errno == EINVAL)
			snprintf(err, errlen, "interface %s exists and is not a tap", name);
		else
			snprintf(err, errlen, "cannot create interface %s: %s", name,
			    strerror(errno));
		return XU_ERR_IO;
	}
	if (ioctl(fd, TUNSETPERSIST, 1) != 0) {
		snprintf(err, errlen, "cannot make interface %s persistent: %s", name,
		    strerror(errno));
		close(fd);
		return XU_ERR_IO;
	}
	close(fd);
	if (set_mac(name) != 0) {
		snprintf(err, errlen, "cannot set the address of %s: %s", name,
		    strerror(errno));
		(void)tap_delete(name);
		return XU_ERR_IO;
	}
	return XU_OK;
}

int
tap_delete(const char *name)
{
	int fd, e = 0;

	if (if_nametoindex(name) == 0)
		return 0;		/* gone already */
	if ((fd = tap_open(name)) < 0)
		return errno;
	if (ioctl(fd, TUNSETPERSIST, 0) != 0)
		e = errno;
	close(fd);
	return e;
}
