/* migrate-engine.c: the engine's stream of a migration, over a descriptor
 * passed down to QEMU (libxc, xenhv): the source's QEMU migrates to the
 * data socket, the destination's loads from it. This is where live
 * migration meets the save/restore core; until that core is in this
 * tree, both ends refuse with a message that says so, and the protocol
 * around them (relocation.c) fails cleanly: the guest stays where it is. */
#include "relocation-int.h"

#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"

static int
no_engine(struct xu_err *err)
{
	xu_err_set(err, XU_ERR_UNSUPPORTED, 0, "this xend cannot stream a "
	    "domain's state yet (the save/restore core is missing)");
	return XU_ERR_UNSUPPORTED;
}

int
mig_engine_check(struct domains *t, const struct xv *vm, struct xu_err *err)
{
	struct domain_config cfg;
	char *cause;
	int rc;

	domain_config_init(&cfg);
	rc = domain_config_parse(vm, &cfg, err);
	domain_config_dispose(&cfg);
	if (rc != XU_OK) {
		cause = xu_strdup(err->msg);
		xu_err_set(err, rc, 0, "the domain cannot run here: %s", cause);
		free(cause);
	}
	return rc;
}

int
mig_engine_send(struct domain *d, int fd, bool live, bool tls,
    const char *tls_host, mig_engine_done_fn done, void *arg,
    struct xu_err *err)
{
	close(fd);
	return no_engine(err);
}

bool
mig_engine_progress(struct domain *d, uint64_t *bytes, uint64_t *total,
    int64_t *downtime_ms)
{
	return false;
}

int
mig_engine_receive(struct domains *t, const struct xv *vm, int fd, bool tls,
    domain_started_fn done, void *arg, struct domain **out,
    struct xu_err *err)
{
	*out = NULL;
	close(fd);
	return no_engine(err);
}
