/* HTTPS on mbedTLS (CONFIG_TLS): one server configuration, one SSL
 * context per connection fed from libuv reads through memory BIOs. With
 * no certificate configured a self-signed EC P-256 one is made on first
 * start and kept in the data directory (key 0600). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/net_sockets.h>

#include "log.h"
#include "web/internal.h"

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define LL_MBEDTLS3 1
#else
#define LL_MBEDTLS3 0
#endif

/* Owner: the server; freed by web__tls_srv_free() at web_close(). */
struct web_tls_srv {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
};

/* Owner: its connection. `in` holds ciphertext not yet read by TLS. */
struct web_tls_conn {
	mbedtls_ssl_context ssl;
	const char *in;
	size_t in_len;
	bool handshake_done;
};

static int
tls_write_file(const char *path, const unsigned char *pem, mode_t mode)
{
	size_t len = strlen((const char *)pem);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, pem, len) != (ssize_t)len || fsync(fd) < 0)
		rc = -EIO;
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

static int
tls_crt_serial(mbedtls_x509write_cert *crt, struct web_tls_srv *t)
{
	unsigned char serial[16];
	int rc = mbedtls_ctr_drbg_random(&t->drbg, serial, sizeof(serial));

	if (rc != 0)
		return rc;
	serial[0] &= 0x7f;	/* RFC 5280 4.1.2.2: a positive integer */
#if LL_MBEDTLS3
	return mbedtls_x509write_crt_set_serial_raw(crt, serial,
	    sizeof(serial));
#else
	{
		mbedtls_mpi n;

		mbedtls_mpi_init(&n);
		rc = mbedtls_mpi_read_binary(&n, serial, sizeof(serial));
		if (rc == 0)
			rc = mbedtls_x509write_crt_set_serial(crt, &n);
		mbedtls_mpi_free(&n);
		return rc;
	}
#endif
}

/* A new P-256 key in t->key and a self-signed certificate for it. */
static int
tls_crt_fill(mbedtls_x509write_cert *crt, struct web_tls_srv *t)
{
	int rc = mbedtls_pk_setup(&t->key,
	    mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

	if (rc == 0)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
		    mbedtls_pk_ec(t->key), mbedtls_ctr_drbg_random, &t->drbg);
	if (rc != 0)
		return rc;
	mbedtls_x509write_crt_set_version(crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(crt, &t->key);
	mbedtls_x509write_crt_set_issuer_key(crt, &t->key);
	rc = tls_crt_serial(crt, t);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_subject_name(crt,
		    "CN=linelock,O=linelock");
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_issuer_name(crt,
		    "CN=linelock,O=linelock");
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_validity(crt, "20240101000000",
		    "20491231235959");
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1);
	return rc;
}

static int
tls_make_cert(struct web_tls_srv *t, const char *crt_path,
    const char *key_path)
{
	mbedtls_x509write_cert crt;
	const size_t pem_cap = 4096;
	unsigned char *pem = calloc(1, pem_cap);
	int rc = pem ? 0 : MBEDTLS_ERR_X509_ALLOC_FAILED;

	mbedtls_x509write_crt_init(&crt);
	if (rc == 0)
		rc = tls_crt_fill(&crt, t);
	if (rc == 0)
		rc = mbedtls_pk_write_key_pem(&t->key, pem, pem_cap);
	if (rc == 0)
		rc = tls_write_file(key_path, pem, 0600);
	if (pem)
		mbedtls_platform_zeroize(pem, pem_cap);
	if (rc == 0)
		rc = mbedtls_x509write_crt_pem(&crt, pem, pem_cap,
		    mbedtls_ctr_drbg_random, &t->drbg);
	if (rc == 0)
		rc = tls_write_file(crt_path, pem, 0644);
	if (rc == 0)
		rc = mbedtls_x509_crt_parse(&t->cert, pem,
		    strlen((char *)pem) + 1);
	free(pem);
	mbedtls_x509write_crt_free(&crt);
	if (rc != 0) {
		unlink(key_path);
		log_error("web: cannot make a certificate in %s (-0x%04x)",
		    crt_path, (unsigned)-rc);
		return -EIO;
	}
	log_info("web: generated a self-signed certificate %s", crt_path);
	return 0;
}

static int
tls_load_cert(struct web_tls_srv *t, const char *crt_path,
    const char *key_path)
{
	int rc = mbedtls_x509_crt_parse_file(&t->cert, crt_path);

	if (rc != 0) {
		log_error("web: %s: not a PEM certificate (-0x%04x)", crt_path,
		    (unsigned)-rc);
		return -EINVAL;
	}
#if LL_MBEDTLS3
	rc = mbedtls_pk_parse_keyfile(&t->key, key_path, NULL,
	    mbedtls_ctr_drbg_random, &t->drbg);
#else
	rc = mbedtls_pk_parse_keyfile(&t->key, key_path, NULL);
#endif
	if (rc != 0) {
		log_error("web: %s: not a PEM private key (-0x%04x)", key_path,
		    (unsigned)-rc);
		return -EINVAL;
	}
	return 0;
}

static int
tls_cert_init(struct web_tls_srv *t, struct web *w)
{
	char crt[300], key[300];

	if (w->tls_cert[0])
		return tls_load_cert(t, w->tls_cert, w->tls_key);
	snprintf(crt, sizeof(crt), "%s/web-cert.pem", w->data_dir);
	snprintf(key, sizeof(key), "%s/web-key.pem", w->data_dir);
	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0)
		return tls_load_cert(t, crt, key);
	unlink(crt);
	return tls_make_cert(t, crt, key);
}

int
web__tls_srv_new(struct web_tls_srv **out, struct web *w)
{
	static const char pers[] = "linelock-web";
	struct web_tls_srv *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	mbedtls_entropy_init(&t->entropy);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->cert);
	mbedtls_pk_init(&t->key);
	rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func,
	    &t->entropy, (const unsigned char *)pers, sizeof(pers) - 1);
	if (rc != 0 || tls_cert_init(t, w) < 0)
		goto fail;
	rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0)
		goto fail;
	/* RFC 8996: nothing older than TLS 1.2. */
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key);
	if (rc != 0)
		goto fail;
	*out = t;
	return 0;
fail:
	web__tls_srv_free(t);
	return -EINVAL;
}

void
web__tls_srv_free(struct web_tls_srv *t)
{
	if (!t)
		return;
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->cert);
	mbedtls_pk_free(&t->key);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	free(t);
}

static int
tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct web_conn *c = ctx;

	if (web__conn_send_raw(c, buf, len) < 0)
		return MBEDTLS_ERR_NET_CONN_RESET;
	return (int)len;
}

static int
tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct web_conn *c = ctx;
	struct web_tls_conn *tc = c->tls;
	size_t n = MIN(len, tc->in_len);

	if (n == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	memcpy(buf, tc->in, n);
	tc->in += n;
	tc->in_len -= n;
	return (int)n;
}

int
web__tls_conn_new(struct web_conn *c)
{
	struct web_tls_conn *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return -ENOMEM;
	mbedtls_ssl_init(&tc->ssl);
	if (mbedtls_ssl_setup(&tc->ssl, &c->srv->tls->conf) != 0) {
		mbedtls_ssl_free(&tc->ssl);
		free(tc);
		return -ENOMEM;
	}
	mbedtls_ssl_set_bio(&tc->ssl, c, tls_bio_send, tls_bio_recv, NULL);
	c->tls = tc;
	return 0;
}

void
web__tls_conn_free(struct web_conn *c)
{
	mbedtls_ssl_free(&c->tls->ssl);
	free(c->tls);
	c->tls = NULL;
}

int
web__tls_conn_input(struct web_conn *c, const char *data, size_t len)
{
	struct web_tls_conn *tc = c->tls;
	unsigned char plain[4096];
	int rc;

	/* Every byte of `data` is consumed before we return: TLS records
	 * are decrypted into the connection's own plaintext buffer. */
	tc->in = data;
	tc->in_len = len;
	if (!tc->handshake_done) {
		rc = mbedtls_ssl_handshake(&tc->ssl);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return 0;
		if (rc != 0) {
			log_debug("web: %s: TLS handshake failed (-0x%04x)",
			    c->peer_host, (unsigned)-rc);
			return -EPROTO;
		}
		tc->handshake_done = true;
	}
	for (;;) {
		rc = mbedtls_ssl_read(&tc->ssl, plain, sizeof(plain));
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return 0;
		if (rc <= 0)
			return -EPROTO;	/* close_notify or an error */
		web__conn_feed(c, (const char *)plain, (size_t)rc);
		if (c->state == WEB_CONN_CLOSING)
			return 0;
	}
}

int
web__tls_conn_write(struct web_conn *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!c->tls->handshake_done)
		return -EPIPE;
	while (len > 0) {
		int rc = mbedtls_ssl_write(&c->tls->ssl, p, len);

		if (rc <= 0)
			return -EPIPE;
		p += rc;
		len -= (size_t)rc;
	}
	return 0;
}
