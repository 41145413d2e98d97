/* Without CONFIG_TLS: a tls listener or destination is refused. */
#include <errno.h>

#include "sip/internal.h"

int
sip__tls_ctx_new(struct sip_stack *s)
{
	for (unsigned i = 0; i < s->cfg.n_listen; i++)
		if (s->cfg.listen[i].transport == NET_TLS) {
			log_error("sip: TLS listener, but built without "
				  "CONFIG_TLS");
			return -EINVAL;
		}
	return 0;
}

void
sip__tls_ctx_free(struct sip_stack *s)
{
	(void)s;
}

int
sip__tls_new(struct sip__tls **out, struct sip_stack *s, bool server)
{
	(void)out;
	(void)s;
	(void)server;
	return -EINVAL;
}

void
sip__tls_free(struct sip__tls *t)
{
	(void)t;
}

void
sip__tls_start(struct sip__conn *c, struct sip__tls *t)
{
	(void)c;
	(void)t;
}

int
sip__tls_input(struct sip__conn *c, struct sip__tls *t, const char *buf,
    size_t len)
{
	(void)c;
	(void)t;
	(void)buf;
	(void)len;
	return -EINVAL;
}

int
sip__tls_write(struct sip__conn *c, struct sip__tls *t, const char *buf,
    size_t len)
{
	(void)c;
	(void)t;
	(void)buf;
	(void)len;
	return -EINVAL;
}
