/* Per-message arenas for libosip2 (sip/arena.c) and the one-pass header
 * copy (sip_msg_header_copy): a parsed or built message's arena is
 * released with it, blocks moved between messages or reallocated stay
 * valid, and messages modified after they were built print correctly.
 * Under memcheck the arenas are off (every block is a malloc): the
 * release counts are then not checked, the rest still is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/internal.h"

static const char req[] =
    "INVITE sip:100@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1\r\n"
    "From: <sip:a@example.com>;tag=1\r\n"
    "To: <sip:100@example.com>\r\n"
    "Call-ID: arena-1@example.com\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:a@192.0.2.1>\r\n"
    "k: 100rel\r\n"
    "User-Agent: phone/1.0\r\n"
    "Supported: timer\r\n"
    "X-Secret: not copied\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n\r\n"
    "v=0\n";

static osip_message_t *
parse(const char *text)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	assert_int_equal(sip__parse(&m, text, strlen(text), false, &err), 0);
	return m;
}

/* True when arenas are in use (not CONFIG_SIP_ARENA=n, not memcheck). */
static bool
arenas_on(void)
{
	struct sip__arena_stats a, b;
	struct sip__arena *prev;

	sip__arena_stats_get(&a);
	prev = sip__arena_push();
	sip__arena_pop(prev);
	sip__arena_stats_get(&b);
	return b.arenas > a.arenas;
}

static void
test_arena_released_with_message(void **state)
{
	struct sip__arena_stats a, b;
	osip_message_t *m;
	bool on = arenas_on();

	(void)state;
	sip__arena_stats_get(&a);
	m = parse(req);
	sip__arena_stats_get(&b);
	if (on) {
		assert_int_equal(b.arenas, a.arenas + 1);
		assert_int_equal(b.released, a.released);
	}
	osip_message_free(m);
	sip__arena_stats_get(&b);
	if (on)
		assert_int_equal(b.released, a.released + 1);
}

static void
test_arena_block_outlives_its_message(void **state)
{
	osip_message_t *m = parse(req), *r = NULL;
	osip_via_t *v;
	char *w = NULL;
	size_t n;

	(void)state;
	/* A Via taken out of the parsed message into a built one: the
	 * parsed message's arena must stay until the Via is freed. */
	v = osip_list_get(&m->vias, 0);
	osip_list_remove(&m->vias, 0);
	osip_message_free(m);
	assert_int_equal(sip_msg_new_request(&r, "OPTIONS",
	    "sip:100@example.com", "<sip:a@example.com>;tag=9",
	    "<sip:100@example.com>", "c@x", 1), 0);
	osip_list_add(&r->vias, v, -1);
	assert_int_equal(sip__msg_print(r, &w, &n), 0);
	assert_non_null(strstr(w, "branch=z9hG4bKa1"));
	osip_free(w);
	osip_message_free(r);
}

static void
test_arena_realloc_and_heap_mix(void **state)
{
	struct sip__arena *prev = sip__arena_push();
	char *p = osip_malloc(8), *big;

	(void)state;
	memcpy(p, "abcdefg", 8);
	p = osip_realloc(p, 200);	/* moves within the arena */
	big = osip_malloc(4000);	/* too big: from malloc */
	sip__arena_pop(prev);
	assert_string_equal(p, "abcdefg");
	memset(big, 'x', 4000);
	p = osip_realloc(p, 3000);	/* out of the arena, onto the heap */
	assert_string_equal(p, "abcdefg");
	big = osip_realloc(big, 5000);
	assert_int_equal(big[3999], 'x');
	osip_free(big);
	osip_free(p);
}

static void
test_arena_modified_message_prints(void **state)
{
	osip_message_t *m = parse(req);
	char *w = NULL;
	size_t n;

	(void)state;
	assert_int_equal(sip_msg_header_set(m, "Contact",
	    "<sip:ll@192.0.2.9>"), 0);
	assert_int_equal(sip_msg_to_tag_set(m, "t42"), 0);
	assert_int_equal(sip_msg_body_set(m, "application/sdp", "v=1\n", 4),
	    0);
	assert_int_equal(sip__msg_print(m, &w, &n), 0);
	assert_non_null(strstr(w, "Contact: <sip:ll@192.0.2.9>\r\n"));
	assert_non_null(strstr(w, "tag=t42"));
	assert_non_null(strstr(w, "\r\n\r\nv=1\n"));
	assert_int_equal(n, strlen(w));
	osip_free(w);
	/* Printing twice gives the same text: nothing cached went stale. */
	assert_int_equal(sip_msg_header_add(m, "Subject", "again"), 0);
	assert_int_equal(sip__msg_print(m, &w, &n), 0);
	assert_non_null(strstr(w, "Subject: again\r\n"));
	osip_free(w);
	osip_message_free(m);
}

static void
test_hdr_copy_listed_text_headers(void **state)
{
	static const char *const names[] = {"Supported", "User-Agent",
	    "Contact", "Subject", NULL};
	osip_message_t *m = parse(req), *r = NULL;

	(void)state;
	assert_int_equal(sip_msg_new_request(&r, "INVITE",
	    "sip:100@example.com", "<sip:a@example.com>;tag=9",
	    "<sip:100@example.com>", "c@x", 1), 0);
	assert_int_equal(sip_msg_header_copy(r, m, names), 0);
	/* The compact "k" comes back under the list's spelling. */
	assert_string_equal(sip_msg_header_get(r, "Supported", 0), "100rel");
	assert_string_equal(sip_msg_header_get(r, "Supported", 1), "timer");
	assert_string_equal(sip_msg_header_get(r, "User-Agent", 0),
	    "phone/1.0");
	assert_null(sip_msg_header_get(r, "X-Secret", 0));
	assert_null(sip_msg_header_get(r, "Max-Forwards", 1));
	/* Structured headers are not copied as text. */
	assert_null(sip_msg_header_get(r, "Contact", 0));
	osip_message_free(r);
	osip_message_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_released_with_message),
	    cmocka_unit_test(test_arena_block_outlives_its_message),
	    cmocka_unit_test(test_arena_realloc_and_heap_mix),
	    cmocka_unit_test(test_arena_modified_message_prints),
	    cmocka_unit_test(test_hdr_copy_listed_text_headers),
	};

	sip__parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
