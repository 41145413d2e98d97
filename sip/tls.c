/* SIP over TLS on mbedTLS (RFC 3261 26.2, 26.3.1): one server
 * configuration for tls: listeners ([sip] tls_cert/tls_key), one client
 * configuration for connections we open (verifying the server against
 * tls_ca when set, offering our certificate when we have one). Each
 * connection gets an SSL context fed from libuv reads through memory
 * BIOs; plaintext goes to the connection's framing (tcp.c). mbedTLS 2.28
 * is the target; 3.x API differences are guarded. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/asn1.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>

#include "sip/internal.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SIP__MBEDTLS3 1
#else
#define SIP__MBEDTLS3 0
#endif

/* Owner: the stack (s->tls), freed by sip__tls_ctx_free(). */
struct sip__tls_ctx {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config srv;
	mbedtls_ssl_config cli;
	mbedtls_x509_crt cert;
	mbedtls_x509_crt ca;
	mbedtls_pk_context key;
	bool have_cert;
	bool have_srv;
};

/* Owner: its connection (tcp.c frees it once the socket has closed).
 * `in` is ciphertext of the current read not yet taken by mbedTLS. */
struct sip__tls {
	mbedtls_ssl_context ssl;
	struct sip__conn *c;
	const char *in;
	size_t in_len;
	bool server;
	bool handshake_done;
};

static int
tls_pem_error(const char *what, const char *path, int rc)
{
	char e[96];

	mbedtls_strerror(rc, e, sizeof(e));
	log_error("sip: TLS %s %s: %s", what, path, e);
	/* sip.h: -ENOENT for a file we cannot read, -EBADMSG for one we
	 * cannot use. */
	return rc == MBEDTLS_ERR_PK_FILE_IO_ERROR ||
	    rc == MBEDTLS_ERR_X509_FILE_IO_ERROR ? -ENOENT : -EBADMSG;
}

static int
tls_load(struct sip__tls_ctx *x, const struct sip_config *cfg)
{
	int rc;

	if (cfg->tls_cert[0] && cfg->tls_key[0]) {
		rc = mbedtls_x509_crt_parse_file(&x->cert, cfg->tls_cert);
		if (rc != 0)
			return tls_pem_error("certificate", cfg->tls_cert, rc);
#if SIP__MBEDTLS3
		rc = mbedtls_pk_parse_keyfile(&x->key, cfg->tls_key, NULL,
		    mbedtls_ctr_drbg_random, &x->drbg);
#else
		rc = mbedtls_pk_parse_keyfile(&x->key, cfg->tls_key, NULL);
#endif
		if (rc != 0)
			return tls_pem_error("key", cfg->tls_key, rc);
		x->have_cert = true;
	}
	if (cfg->tls_ca[0]) {
		rc = mbedtls_x509_crt_parse_file(&x->ca, cfg->tls_ca);
		if (rc < 0)
			return tls_pem_error("CA file", cfg->tls_ca, rc);
	}
	return 0;
}

static int
tls_conf(struct sip__tls_ctx *x, mbedtls_ssl_config *c, int endpoint,
    const struct sip_config *cfg)
{
	int rc = mbedtls_ssl_config_defaults(c, endpoint,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);

	if (rc != 0)
		return -ENOMEM;
	/* RFC 8996: nothing older than TLS 1.2. */
#if MBEDTLS_VERSION_NUMBER >= 0x03010000
	mbedtls_ssl_conf_min_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_rng(c, mbedtls_ctr_drbg_random, &x->drbg);
	if (x->have_cert &&
	    mbedtls_ssl_conf_own_cert(c, &x->cert, &x->key) != 0)
		return -EBADMSG;
	if (endpoint == MBEDTLS_SSL_IS_SERVER) {
		/* Phones rarely have client certificates: ask for none. */
		mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_NONE);
	} else if (cfg->tls_ca[0]) {
		mbedtls_ssl_conf_ca_chain(c, &x->ca, NULL);
		mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_REQUIRED);
	} else {
		mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_NONE);
	}
	return 0;
}

static bool
tls_has_listener(const struct sip_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].transport == NET_TLS)
			return true;
	return false;
}

int
sip__tls_ctx_new(struct sip_stack *s)
{
	static const char pers[] = "linelock-sip";
	const struct sip_config *cfg = &s->cfg;
	struct sip__tls_ctx *x;
	int rc;

	if (tls_has_listener(cfg) && (!cfg->tls_cert[0] || !cfg->tls_key[0])) {
		log_error("sip: a tls listener needs [sip] tls_cert and "
			  "tls_key");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	mbedtls_entropy_init(&x->entropy);
	mbedtls_ctr_drbg_init(&x->drbg);
	mbedtls_ssl_config_init(&x->srv);
	mbedtls_ssl_config_init(&x->cli);
	mbedtls_x509_crt_init(&x->cert);
	mbedtls_x509_crt_init(&x->ca);
	mbedtls_pk_init(&x->key);
	s->tls = x;
	if (mbedtls_ctr_drbg_seed(&x->drbg, mbedtls_entropy_func,
	    &x->entropy, (const unsigned char *)pers, sizeof(pers) - 1) != 0)
		return -EIO;
	rc = tls_load(x, cfg);
	if (rc == 0)
		rc = tls_conf(x, &x->cli, MBEDTLS_SSL_IS_CLIENT, cfg);
	if (rc == 0 && x->have_cert) {
		rc = tls_conf(x, &x->srv, MBEDTLS_SSL_IS_SERVER, cfg);
		x->have_srv = rc == 0;
	}
	if (rc == 0 && !cfg->tls_ca[0])
		log_debug("sip: no tls_ca: TLS servers are not verified");
	return rc;
}

void
sip__tls_ctx_free(struct sip_stack *s)
{
	struct sip__tls_ctx *x = s->tls;

	if (!x)
		return;
	mbedtls_ssl_config_free(&x->srv);
	mbedtls_ssl_config_free(&x->cli);
	mbedtls_x509_crt_free(&x->cert);
	mbedtls_x509_crt_free(&x->ca);
	mbedtls_pk_free(&x->key);
	mbedtls_ctr_drbg_free(&x->drbg);
	mbedtls_entropy_free(&x->entropy);
	free(x);
	s->tls = NULL;
}

int
sip__tls_new(struct sip__tls **out, struct sip_stack *s, bool server)
{
	struct sip__tls_ctx *x = s->tls;
	struct sip__tls *t;

	if (!x || (server && !x->have_srv))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	mbedtls_ssl_init(&t->ssl);
	if (mbedtls_ssl_setup(&t->ssl, server ? &x->srv : &x->cli) != 0) {
		mbedtls_ssl_free(&t->ssl);
		free(t);
		return -ENOMEM;
	}
	t->server = server;
	*out = t;
	return 0;
}

void
sip__tls_free(struct sip__tls *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	free(t);
}

static int
tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct sip__tls *t = ctx;

	if (sip__conn_write_raw(t->c, (const char *)buf, len) < 0)
		return MBEDTLS_ERR_NET_CONN_RESET;
	return (int)len;
}

static int
tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct sip__tls *t = ctx;
	size_t n = MIN(len, t->in_len);

	if (n == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	memcpy(buf, t->in, n);
	t->in += n;
	t->in_len -= n;
	return (int)n;
}

/* Runs the handshake as far as the bytes allow: 0 done, 1 more to
 * come, <0 failed (the connection is closed). */
static int
tls_handshake(struct sip__conn *c, struct sip__tls *t)
{
	int rc = mbedtls_ssl_handshake(&t->ssl);
	char e[96];

	if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
	    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 1;
	if (rc != 0) {
		char a[NET_ADDRSTRLEN], v[160] = "";
		uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);

		mbedtls_strerror(rc, e, sizeof(e));
		if (flags && flags != (uint32_t)-1)
			mbedtls_x509_crt_verify_info(v, sizeof(v), "", flags);
		v[strcspn(v, "\n")] = '\0';
		net_addr_str((const struct sockaddr *)sip__conn_peer(c), a,
		    sizeof(a));
		/* A server we called failing is the operator's business; a
		 * client failing ours is anyone's, kept at debug. */
		log_msg(t->server ? LOG_LVL_DEBUG : LOG_LVL_WARN,
		    "sip: TLS handshake with %s failed: %s%s%s", a, e,
		    v[0] ? ": " : "", v);
		sip__conn_fail(c, "TLS handshake failed");
		return -EPROTO;
	}
	t->handshake_done = true;
	sip__conn_ready(c);
	return 0;
}

/* RFC 5922 7.2 names domains; our destinations are addresses, and a
 * PBX certificate carries its IP as an iPAddress subjectAltName, which
 * mbedTLS 2.28 does not compare (it matches dNSName and CN only). So at
 * the peer's certificate (depth 0) an iPAddress equal to the address we
 * connected to clears the name mismatch; the chain is checked as ever. */
static int
tls_verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct sip__tls *t = ctx;
	const struct sockaddr_storage *pa = sip__conn_peer(t->c);
	const unsigned char *ip;
	size_t iplen;

	if (depth != 0 || !(*flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
		return 0;
	if (pa->ss_family == AF_INET) {
		ip = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)pa)->sin_addr;
		iplen = 4;
	} else {
		ip = ((const struct sockaddr_in6 *)(const void *)pa)
		    ->sin6_addr.s6_addr;
		iplen = 16;
	}
	for (const mbedtls_x509_sequence *n = &crt->subject_alt_names; n;
	    n = n->next) {
		if (n->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
		    MBEDTLS_X509_SAN_IP_ADDRESS) && n->buf.len == iplen &&
		    memcmp(n->buf.p, ip, iplen) == 0) {
			*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
			break;
		}
	}
	return 0;
}

void
sip__tls_start(struct sip__conn *c, struct sip__tls *t)
{
	char host[NET_ADDRSTRLEN];

	t->c = c;
	mbedtls_ssl_set_bio(&t->ssl, t, tls_bio_send, tls_bio_recv, NULL);
	if (t->server)
		return;
	/* The name to verify the server's certificate against: our
	 * destinations are addresses, so its text (in CN or a dNSName),
	 * or an iPAddress subjectAltName (tls_verify_ip). */
	net_host_str((const struct sockaddr *)sip__conn_peer(c), host,
	    sizeof(host));
	mbedtls_ssl_set_verify(&t->ssl, tls_verify_ip, t);
	if (mbedtls_ssl_set_hostname(&t->ssl, host) != 0) {
		sip__conn_fail(c, "TLS setup failed");
		return;
	}
	tls_handshake(c, t);	/* sends the ClientHello */
}

int
sip__tls_input(struct sip__conn *c, struct sip__tls *t, const char *buf,
    size_t len)
{
	unsigned char plain[4096];
	int rc;

	t->in = buf;
	t->in_len = len;
	if (!t->handshake_done) {
		rc = tls_handshake(c, t);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	while (!sip__conn_is_closing(c)) {
		rc = mbedtls_ssl_read(&t->ssl, plain, sizeof(plain));
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return 0;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
		/* mbedTLS 3.x, TLS 1.3: a ticket, not data; read on. */
		if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
#endif
		if (rc <= 0) {
			sip__conn_fail(c, rc == 0 ||
			    rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ?
			    "TLS closed by peer" : "TLS read error");
			return -EPROTO;
		}
		if (sip__conn_input(c, (const char *)plain, (size_t)rc) < 0)
			return -EBADMSG;
	}
	return 0;
}

int
sip__tls_write(struct sip__conn *c, struct sip__tls *t, const char *buf,
    size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;

	if (!t->handshake_done)
		return -ENOTCONN;
	while (len > 0) {
		int rc = mbedtls_ssl_write(&t->ssl, p, len);

		/* Our BIO takes every byte, so WANT_WRITE cannot happen:
		 * any negative value is an error, no retry loop. */
		if (rc <= 0) {
			sip__conn_fail(c, "TLS write error");
			return -EPROTO;
		}
		p += rc;
		len -= (size_t)rc;
	}
	return 0;
}
