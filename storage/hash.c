/* PIN and password hashes (salted PBKDF2-HMAC-SHA256), SHA-256 for
 * high-entropy tokens, and randomness. Nothing here touches a store or
 * global state, so the slow functions may run in uv_queue_work on copied
 * inputs while the loop goes on. */
#include <errno.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <string.h>
#include <sys/random.h>

#include "storage/internal.h"

int
store_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

int
store_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[64];
	int rc;

	if (n > sizeof(b))
		return -EINVAL;
	rc = store_random(b, n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
	mbedtls_platform_zeroize(b, sizeof(b));
	return 0;
}

void
store__sha256(const void *p, size_t n, uint8_t out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_sha256(p, n, out, 0);
#else
	mbedtls_sha256_ret(p, n, out, 0);
#endif
}

static int
pbkdf2(const char *secret, const uint8_t *salt, uint32_t iterations,
       uint8_t dk[STORE_DK_LEN])
{
	size_t plen = strlen(secret);
	int rc;

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	rc = mbedtls_pkcs5_pbkdf2_hmac_ext(
	    MBEDTLS_MD_SHA256, (const unsigned char *)secret, plen, salt,
	    STORE_SALT_LEN, iterations, STORE_DK_LEN, dk);
#else
	mbedtls_md_context_t md;

	mbedtls_md_init(&md);
	rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                      1);
	if (rc == 0)
		rc = mbedtls_pkcs5_pbkdf2_hmac(
		    &md, (const unsigned char *)secret, plen, salt,
		    STORE_SALT_LEN, iterations, STORE_DK_LEN, dk);
	mbedtls_md_free(&md);
#endif
	return rc == 0 ? 0 : -EIO;
}

int
store_hash_make(struct store_hash *out, const char *secret, uint32_t iterations)
{
	struct store_hash h;
	int rc;

	if (!secret || !*secret || iterations < STORE_HASH_ITER_MIN ||
	    iterations > STORE_HASH_ITER_MAX)
		return -EINVAL;
	h.iterations = iterations;
	rc = store_random(h.salt, sizeof(h.salt));
	if (rc == 0)
		rc = pbkdf2(secret, h.salt, iterations, h.dk);
	if (rc == 0)
		*out = h;
	mbedtls_platform_zeroize(&h, sizeof(h));
	return rc;
}

bool
store_hash_verify(const struct store_hash *h, const char *secret)
{
	uint8_t dk[STORE_DK_LEN];
	bool ok;

	if (!store_hash_is_set(h) || !secret || !*secret ||
	    h->iterations > STORE_HASH_ITER_MAX)
		return false;
	if (pbkdf2(secret, h->salt, h->iterations, dk) < 0)
		return false;
	ok = store__ct_equal(dk, h->dk, sizeof(dk));
	mbedtls_platform_zeroize(dk, sizeof(dk));
	return ok;
}

bool
store_hash_is_set(const struct store_hash *h)
{
	return h && h->iterations != 0;
}
