/* metrics.h: GET /metrics, Prometheus' text exposition format (0.0.4):
 * the host, every domain (xend.domains.stats, as xm top sees them),
 * migrations, xend's XML-RPC calls and xend itself. Every metric is
 * listed in docs/METRICS.md. */
#ifndef XEND_METRICS_H
#define XEND_METRICS_H

struct evbuffer;
struct evhttp_request;
struct xend;

/* The route (http-server.c's table). */
void metrics_route(struct xend *x, struct evhttp_request *req);
/* The whole exposition, appended to out. */
void metrics_write(struct xend *x, struct evbuffer *out);

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif
