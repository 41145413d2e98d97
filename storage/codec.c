/* The record codec: a version byte, then fixed-width little-endian
 * integers and length-prefixed strings. Records are small, independent of
 * struct layout and padding, and a decoder refuses anything malformed or
 * out of bounds instead of trusting bytes on disk. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "storage/internal.h"

void
store__enc_init(struct store__enc *e, uint8_t version)
{
	e->len = 0;
	e->overflow = false;
	store__put_u8(e, version);
}

void
store__put_bytes(struct store__enc *e, const void *p, size_t n)
{
	if (e->overflow || n > sizeof(e->buf) - e->len) {
		e->overflow = true;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static void
enc_le(struct store__enc *e, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	store__put_bytes(e, b, n);
}

void
store__put_u8(struct store__enc *e, uint8_t v)
{
	enc_le(e, v, 1);
}

void
store__put_u16(struct store__enc *e, uint16_t v)
{
	enc_le(e, v, 2);
}

void
store__put_u32(struct store__enc *e, uint32_t v)
{
	enc_le(e, v, 4);
}

void
store__put_u64(struct store__enc *e, uint64_t v)
{
	enc_le(e, v, 8);
}

void
store__put_i64(struct store__enc *e, int64_t v)
{
	enc_le(e, (uint64_t)v, 8);
}

void
store__put_str(struct store__enc *e, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > UINT16_MAX) {
		e->overflow = true;
		return;
	}
	store__put_u16(e, (uint16_t)n);
	store__put_bytes(e, s, n);
}

void
store__put_hash(struct store__enc *e, const struct store_hash *h)
{
	store__put_u32(e, h->iterations);
	store__put_bytes(e, h->salt, sizeof(h->salt));
	store__put_bytes(e, h->dk, sizeof(h->dk));
}

uint8_t
store__dec_init(struct store__dec *d, const MDB_val *v)
{
	d->p = v->mv_data;
	d->len = v->mv_size;
	d->off = 0;
	d->bad = false;
	return store__get_u8(d);
}

void
store__get_bytes(struct store__dec *d, void *p, size_t n)
{
	if (d->bad || n > d->len - d->off) {
		d->bad = true;
		memset(p, 0, n);
		return;
	}
	memcpy(p, d->p + d->off, n);
	d->off += n;
}

static uint64_t
dec_le(struct store__dec *d, size_t n)
{
	uint8_t b[8];
	uint64_t v = 0;

	store__get_bytes(d, b, n);
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

uint8_t
store__get_u8(struct store__dec *d)
{
	return (uint8_t)dec_le(d, 1);
}

uint16_t
store__get_u16(struct store__dec *d)
{
	return (uint16_t)dec_le(d, 2);
}

uint32_t
store__get_u32(struct store__dec *d)
{
	return (uint32_t)dec_le(d, 4);
}

uint64_t
store__get_u64(struct store__dec *d)
{
	return dec_le(d, 8);
}

int64_t
store__get_i64(struct store__dec *d)
{
	return (int64_t)dec_le(d, 8);
}

void
store__get_str(struct store__dec *d, char *dst, size_t cap)
{
	uint16_t n = store__get_u16(d);

	dst[0] = '\0';
	if (d->bad || n >= cap || n > d->len - d->off) {
		d->bad = true;
		return;
	}
	memcpy(dst, d->p + d->off, n);
	dst[n] = '\0';
	if (memchr(dst, '\0', n))
		d->bad = true;
	d->off += n;
}

void
store__get_hash(struct store__dec *d, struct store_hash *h)
{
	h->iterations = store__get_u32(d);
	store__get_bytes(d, h->salt, sizeof(h->salt));
	store__get_bytes(d, h->dk, sizeof(h->dk));
}

int
store__dec_end(struct store__dec *d)
{
	return d->bad || d->off != d->len ? -EBADMSG : 0;
}

void
store__be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
store__from_be64(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

bool
store__ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

void
store__copy_cut(char *dst, const char *src, size_t cap)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap) {
		n = cap - 1;
		/* Never leave half a UTF-8 sequence: back up over
		 * continuation bytes (10xxxxxx) and their lead byte. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

bool
store__name_ok(const char *s, size_t cap, bool (*ok)(int c))
{
	size_t n;

	if (!s || !*s)
		return false;
	n = strnlen(s, cap);
	if (n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return false;
	return true;
}

int64_t
store__now(void)
{
	return (int64_t)time(NULL);
}

const struct store_actor *
store__actor_or_system(const struct store_actor *actor)
{
	static const struct store_actor sys = {"system", "local"};

	return actor ? actor : &sys;
}
