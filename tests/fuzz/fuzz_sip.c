/* Fuzz target: SIP's bytes as the transports hand them to sip/, with no
 * socket. Every input is judged twice, as sip/ would:
 *   - as a UDP datagram: sip__parse(stream = false), where Content-Length
 *     may truncate (RFC 3261 18.3);
 *   - as bytes on a TCP connection: framed by the blank line and
 *     sip__content_length(), then sip__parse(stream = true) on exactly
 *     one message, and again on whatever follows it (pipelining).
 * A message that parses is then read the way the transaction layer and
 * the B2BUA read it (method, CSeq, tags, headers, body, Request-URI and
 * From as text), answered (sip__build_response(), as every request gets
 * at least a 400 or 503) and printed back to text. A refused one that
 * comes with a message gets the 400 sip/ would send. Nothing may crash,
 * leak, read out of bounds or hit undefined behaviour. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/internal.h"
#include "tests/fuzz/fuzz.h"

/* Largest stream message considered, as sip/'s default max_message. */
#define FUZZ_SIP_MAX 65535

static void
fuzz_sip_read(const osip_message_t *m)
{
	static const char *const names[] = {"Via", "Contact", "Route",
	    "Max-Forwards", "Supported", "Require", "P-Asserted-Identity",
	    "Authorization", "Expires", "Event", "x", "k", "v"};
	char buf[512];
	const char *v;
	size_t len;

	(void)sip_msg_method(m);
	(void)sip_msg_cseq(m);
	(void)sip_msg_is_method(m, "INVITE");
	(void)sip_msg_from_tag(m);
	(void)sip_msg_to_tag(m);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		for (int idx = 0; idx < 3; idx++)
			if ((v = sip_msg_header_get(m, names[i], idx)))
				assert(strlen(v) < FUZZ_SIP_MAX * 2);
	v = sip_msg_body_get(m, &len);
	assert(v || len == 0);
	if (m->req_uri)
		(void)sip_uri_print(buf, sizeof(buf), m->req_uri);
	if (m->from)
		(void)sip_nameaddr_print(buf, sizeof(buf), m->from);
	if (m->to)
		(void)sip_nameaddr_print(buf, sizeof(buf), m->to);
}

static void
fuzz_sip_answer(const osip_message_t *m, int code, const char *reason)
{
	static const struct sip_header extra[] = {{"Retry-After", "5"}};
	osip_message_t *r = NULL;
	char *text = NULL;
	size_t len = 0;

	if (!MSG_IS_REQUEST(m) || sip__build_response(&r, m, code, reason,
	    "0123456789abcdef", extra, ARRAY_SIZE(extra)) < 0)
		return;
	if (sip__msg_print(r, &text, &len) == 0)
		osip_free(text);
	osip_message_free(r);
}

/* One message through sip__parse(), as the receive path treats it. */
static void
fuzz_sip_one(const char *buf, size_t len, bool stream)
{
	struct sip__parse_err err = {0, NULL};
	osip_message_t *m = NULL;
	char *text = NULL;
	size_t tlen = 0;
	int rc = sip__parse(&m, buf, len, stream, &err);

	if (rc < 0) {
		assert(rc == -EBADMSG);
		assert(err.code == 0 || (err.code >= 400 && err.code <= 699));
		if (m && err.code)
			fuzz_sip_answer(m, err.code, err.reason);
		if (m)
			osip_message_free(m);
		return;
	}
	assert(rc == 0 && m);
	fuzz_sip_read(m);
	fuzz_sip_answer(m, 503, NULL);
	if (sip__msg_print(m, &text, &tlen) == 0)
		osip_free(text);
	osip_message_free(m);
}

/* The blank line ending a header section in [buf, buf+len), or 0. */
static size_t
fuzz_sip_hdr_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/* TCP: frame messages one after the other, as a connection would. */
static void
fuzz_sip_stream(const char *buf, size_t len)
{
	for (int n = 0; len > 0 && n < 8; n++) {
		size_t hdr_end, total;
		long cl;

		/* RFC 5626 keep-alives and stray CRLFs between messages. */
		while (len > 0 && (*buf == '\r' || *buf == '\n')) {
			buf++;
			len--;
		}
		hdr_end = fuzz_sip_hdr_end(buf, len);
		if (hdr_end == 0)
			return;
		cl = sip__content_length(buf, hdr_end);
		if (cl == -EBADMSG)
			return;
		if (cl == -ENOENT)
			cl = 0;
		assert(cl >= 0);
		if ((size_t)cl > len - hdr_end || hdr_end + (size_t)cl >
		    FUZZ_SIP_MAX)
			return;
		total = hdr_end + (size_t)cl;
		fuzz_sip_one(buf, total, true);
		buf += total;
		len -= total;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	char *copy;

	if (!init) {
		sip__parser_init();
		init = true;
	}
	if (size == 0 || size > FUZZ_SIP_MAX)
		return 0;
	/* Exactly size bytes on the heap: a read past the end is caught. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_sip_one(copy, size, false);
	fuzz_sip_stream(copy, size);
	free(copy);
	return 0;
}

void
fuzz_teardown(void)
{
}
