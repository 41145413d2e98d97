/* SIP over TLS between two stacks on one loop: the client verifies the
 * server against tls_ca (a certificate made by openssl now), sends an
 * OPTIONS as a client transaction over a new TLS connection and gets the
 * server's local 200 back on it; a client trusting another CA gets the
 * synthetic 503; a tls listener without a key is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

#include "sip/internal.h"

struct tls_fx {
	char dir[64];
	uv_loop_t loop;
	uv_timer_t guard;
	struct sip_stack *srv, *cli;
	int code, calls;
	bool synthetic;
	enum net_transport transport;
	uint64_t flow;
};

static void
tls_on_request(void *arg, struct sip_txn *st, const osip_message_t *req,
    const struct sip_source *src)
{
	(void)arg;
	(void)req;
	(void)src;
	sip_txn_reply(st, 404, NULL, NULL, 0);
}

static const struct sip_tu tls_tu = {.on_request = tls_on_request};

static void
tls_make_cert(const char *dir, const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -days 2 -subj /CN=127.0.0.1 "
	    "-addext subjectAltName=IP:127.0.0.1 -keyout %s/%s.key "
	    "-out %s/%s.pem >/dev/null 2>&1", dir, name, dir, name);
	assert_int_equal(system(cmd), 0);
}

static void
tls_cfg(struct sip_config *c, const char *ep)
{
	memset(c, 0, sizeof(*c));
	c->n_listen = 1;
	assert_int_equal(net_endpoint_parse(ep, 5060, &c->listen[0]), 0);
	((struct sockaddr_in *)&c->listen[0].addr)->sin_port = 0;
	c->answer_options = true;
}

static void
tls_on_guard(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void
tls_fx_open(struct tls_fx *f, const char *ca)
{
	struct sip_config c;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ll-sip-tls.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	tls_make_cert(f->dir, "srv");
	tls_make_cert(f->dir, "other");
	assert_int_equal(uv_loop_init(&f->loop), 0);
	uv_timer_init(&f->loop, &f->guard);

	tls_cfg(&c, "tls:127.0.0.1");
	snprintf(c.tls_cert, sizeof(c.tls_cert), "%s/srv.pem", f->dir);
	snprintf(c.tls_key, sizeof(c.tls_key), "%s/srv.key", f->dir);
	assert_int_equal(sip_stack_new(&f->srv, &f->loop, &c, &tls_tu), 0);
	/* The client has no TLS listener: its Via borrows the UDP one. */
	tls_cfg(&c, "udp:127.0.0.1");
	snprintf(c.tls_ca, sizeof(c.tls_ca), "%s/%s.pem", f->dir, ca);
	assert_int_equal(sip_stack_new(&f->cli, &f->loop, &c, &tls_tu), 0);
}

static void
tls_fx_close(struct tls_fx *f)
{
	char cmd[128];

	sip_stack_close(f->cli, NULL, NULL);
	sip_stack_close(f->srv, NULL, NULL);
	uv_close((uv_handle_t *)&f->guard, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void
tls_on_response(void *arg, struct sip_txn *ct, const osip_message_t *resp,
    const struct sip_source *src)
{
	struct tls_fx *f = arg;

	(void)ct;
	f->calls++;
	f->code = resp->status_code;
	f->synthetic = src == NULL;
	if (src) {
		f->transport = src->transport;
		f->flow = src->flow;
	}
	if (resp->status_code >= 200)
		uv_stop(&f->loop);
}

static void
tls_send_options(struct tls_fx *f, const char *ruri)
{
	osip_message_t *req = NULL;
	struct sip_txn *ct = NULL;
	struct sip_dest d = {.transport = NET_TLS};

	d.addr = f->srv->lst[0]->ep.addr;
	assert_int_equal(sip_msg_new_request(&req, "OPTIONS", ruri,
	    "<sip:c@127.0.0.1>;tag=c1", "<sip:127.0.0.1>", "tls-1", 1), 0);
	assert_int_equal(sip_request_send(&ct, f->cli, req, &d,
	    tls_on_response, f), 0);
	assert_int_equal(f->calls, 0);	/* never before the call returns */
	uv_timer_start(&f->guard, tls_on_guard, 10000, 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&f->guard);
}

static void
test_tls_options_verified(void **state)
{
	struct tls_fx f;
	struct sip_stats st;

	(void)state;
	tls_fx_open(&f, "srv");
	tls_send_options(&f, "sip:127.0.0.1");
	assert_int_equal(f.code, 200);
	assert_false(f.synthetic);
	assert_int_equal(f.transport, NET_TLS);
	assert_true(f.flow != 0);
	assert_true(sip_flow_is_alive(f.cli, f.flow));
	/* A second request reuses the connection; this one reaches the
	 * server's TU (a user part), which answers 404. */
	f.calls = 0;
	tls_send_options(&f, "sip:100@127.0.0.1");
	assert_int_equal(f.code, 404);
	sip_stack_stats(f.cli, &st);
	assert_int_equal(st.connections, 1);
	tls_fx_close(&f);
}

static void
test_tls_untrusted_server_503(void **state)
{
	struct tls_fx f;

	(void)state;
	tls_fx_open(&f, "other");
	tls_send_options(&f, "sip:127.0.0.1");
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.code, 503);
	assert_true(f.synthetic);
	tls_fx_close(&f);
}

static void
test_tls_listener_needs_key(void **state)
{
	struct sip_config c;
	struct sip_stack *s = NULL;
	uv_loop_t loop;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	tls_cfg(&c, "tls:127.0.0.1");
	assert_int_equal(sip_stack_new(&s, &loop, &c, &tls_tu), -EINVAL);
	snprintf(c.tls_cert, sizeof(c.tls_cert), "/nonexistent/cert.pem");
	snprintf(c.tls_key, sizeof(c.tls_key), "/nonexistent/key.pem");
	assert_int_equal(sip_stack_new(&s, &loop, &c, &tls_tu), -ENOENT);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Built without CONFIG_TLS, a tls: listener is refused, key or not. */
static void
test_tls_refused_without_config(void **state)
{
	struct sip_config c;
	struct sip_stack *s = NULL;
	uv_loop_t loop;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	tls_cfg(&c, "tls:127.0.0.1");
	snprintf(c.tls_cert, sizeof(c.tls_cert), "/nonexistent/cert.pem");
	snprintf(c.tls_key, sizeof(c.tls_key), "/nonexistent/key.pem");
	assert_int_equal(sip_stack_new(&s, &loop, &c, &tls_tu), -EINVAL);
	assert_null(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_options_verified),
	    cmocka_unit_test(test_tls_untrusted_server_503),
	    cmocka_unit_test(test_tls_listener_needs_key),
	};
	const struct CMUnitTest without_tls[] = {
	    cmocka_unit_test(test_tls_refused_without_config),
	};

	if (!IS_ENABLED(CONFIG_TLS))
		return cmocka_run_group_tests(without_tls, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
