/* sip__msg_free() (sip/arena.c): a message that owns its arena is freed
 * in one step, without libosip2's walk; one that took a block from
 * outside its arena, or lost one to another message, is walked as
 * before. Each case checks the arena counts: a drop that should not
 * happen shows as a count, and under ASan as a leak or a use after
 * free (ASan builds also check every drop against a counting walk).
 * Then every parsable input of the corpora, fuzz crashers and RFC 4475
 * messages (and byte mutations of them) is freed both ways: its arena
 * must come back either way, dropped when nothing spoiled it. Under
 * memcheck the arenas are off: every message is walked, counts unchecked. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define MAX_IN 70000
#define N_MUTANTS 3000

static const char req[] =
    "INVITE sip:100@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKd1\r\n"
    "From: <sip:a@example.com>;tag=1\r\n"
    "To: <sip:100@example.com>\r\n"
    "Call-ID: drop-1@example.com\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:a@192.0.2.1>\r\n"
    "Allow: INVITE, ACK, BYE\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n\r\n"
    "v=0\n";

static bool on;		/* arenas in use (not memcheck, not =n) */

static osip_message_t *
parse(const char *text)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	assert_int_equal(sip__parse(&m, text, strlen(text), false, &err), 0);
	return m;
}

static struct sip__arena_stats
stats(void)
{
	struct sip__arena_stats st;

	sip__arena_stats_get(&st);
	return st;
}

/* Arenas pushed but not yet given back. */
static uint64_t
held(void)
{
	struct sip__arena_stats st = stats();

	return st.arenas - st.released;
}

static void
test_arena_drop_parsed_message(void **state)
{
	struct sip__arena_stats a = stats(), b;
	osip_message_t *m = parse(req);

	(void)state;
	sip__msg_free(m);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped + 1);
		assert_int_equal(b.released, a.released + 1);
	}
	sip__msg_free(NULL);
}

/* Built, then changed through sip/'s helpers (which enter the message's
 * arena), a big body included: still all its arena's. */
static void
test_arena_drop_built_and_changed(void **state)
{
	struct sip__arena_stats a = stats(), b;
	osip_message_t *r = NULL;
	static char body[3000];
	char *w = NULL;
	size_t n;

	(void)state;
	memset(body, 'b', sizeof(body));
	assert_int_equal(sip_msg_new_request(&r, "INVITE",
	    "sip:100@example.com", "<sip:a@example.com>;tag=9",
	    "<sip:100@example.com>", "c@x", 1), 0);
	assert_int_equal(sip_msg_header_add(r, "Subject", "drop"), 0);
	assert_int_equal(sip_msg_to_tag_set(r, "t7"), 0);
	assert_int_equal(sip_msg_body_set(r, "text/plain", body,
	    sizeof(body)), 0);
	assert_int_equal(sip_msg_body_set(r, "text/plain", body,
	    sizeof(body) - 1), 0);
	assert_int_equal(sip__msg_print(r, &w, &n), 0);
	assert_non_null(strstr(w, "Subject: drop\r\n"));
	osip_free(w);
	sip__msg_free(r);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped + 1);
		assert_int_equal(held(), a.arenas - a.released);
	}
}

static int
clone_allows(osip_message_t *dst, void *arg)
{
	const osip_message_t *src = arg;

	return osip_list_clone(&src->allows, &dst->allows,
	    (int (*)(void *, void **))osip_content_length_clone);
}

/* What b2bua does to relay Allow/Accept/auth headers: clones linked in
 * under sip_msg_edit() are the message's own, and a structured header
 * printed meanwhile by sip_msg_header_get() (kept in its ring past the
 * call) is not a loose block: the message is still dropped whole. */
static void
test_arena_drop_edit_and_header_get(void **state)
{
	struct sip__arena_stats a, b;
	osip_message_t *src = parse(req), *r = NULL;
	const char *allow;

	(void)state;
	assert_int_equal(sip_msg_new_request(&r, "INVITE",
	    "sip:100@example.com", "<sip:a@example.com>;tag=9",
	    "<sip:100@example.com>", "c@x", 1), 0);
	assert_int_equal(sip_msg_edit(r, clone_allows, src), 0);
	allow = sip_msg_header_get(src, "Allow", 0);
	assert_non_null(allow);
	assert_int_equal(osip_list_size(&r->allows), 3);
	a = stats();
	sip__msg_free(r);
	b = stats();
	if (on)
		assert_int_equal(b.dropped, a.dropped + 1);
	sip__msg_free(src);
	sip__hdr_ring_clear();
}

/* A header added with no arena current: its blocks are loose heap
 * blocks inside the message, which a drop would leak (LeakSanitizer
 * and the count below would say so). */
static void
test_arena_drop_loose_block_walks(void **state)
{
	struct sip__arena_stats a, b;
	osip_message_t *m = parse(req);

	(void)state;
	assert_int_equal(osip_message_set_header(m, "X-Loose", "yes"), 0);
	a = stats();
	sip__msg_free(m);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped);
		assert_int_equal(b.released, a.released + 1);
	}
}

/* Loose blocks that are gone again (a header printed to text), or that
 * are older than the message, cannot be in it: the drop stays. */
static void
test_arena_drop_scratch_loose_blocks_harmless(void **state)
{
	struct sip__arena_stats a, b;
	char *old = osip_strdup("older than the message"), *tmp;
	osip_message_t *m = parse(req);

	(void)state;
	assert_int_equal(osip_call_id_to_str(m->call_id, &tmp), 0);
	assert_string_equal(tmp, "drop-1@example.com");
	osip_free(tmp);
	a = stats();
	sip__msg_free(m);
	b = stats();
	if (on)
		assert_int_equal(b.dropped, a.dropped + 1);
	osip_free(old);
}

/* The Via is taken out of the parsed message into a built one: the
 * parsed message's arena must outlive it, and the built message now
 * holds a block of another arena. Both are walked. */
static void
test_arena_drop_moved_block_walks(void **state)
{
	struct sip__arena_stats a = stats(), b;
	osip_message_t *m = parse(req), *r = NULL;
	osip_via_t *v = osip_list_get(&m->vias, 0);
	char *w = NULL;
	size_t n;

	(void)state;
	osip_list_remove(&m->vias, 0);
	sip__msg_free(m);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped);
		assert_int_equal(b.released, a.released);
	}
	assert_int_equal(sip_msg_new_request(&r, "OPTIONS",
	    "sip:100@example.com", "<sip:a@example.com>;tag=9",
	    "<sip:100@example.com>", "c@x", 1), 0);
	osip_list_add(&r->vias, v, -1);
	assert_int_equal(sip__msg_print(r, &w, &n), 0);
	assert_non_null(strstr(w, "branch=z9hG4bKd1"));
	osip_free(w);
	sip__msg_free(r);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped);
		assert_int_equal(b.released, a.released + 2);
	}
}

/* Freed while its arena is still current (a builder's failure path):
 * walked, and the arena goes at the pop. */
static void
test_arena_drop_current_arena_walks(void **state)
{
	struct sip__arena_stats a = stats(), b;
	struct sip__arena *prev = sip__arena_push();
	osip_message_t *m = NULL;

	(void)state;
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_set_call_id(m, "x@y"), 0);
	sip__msg_free(m);
	sip__arena_pop(prev);
	b = stats();
	if (on) {
		assert_int_equal(b.dropped, a.dropped);
		assert_int_equal(b.released, a.released + 1);
	}
}

/* A heap message (built under sip__arena_enter(NULL)) is walked. */
static void
test_arena_drop_heap_message_walks(void **state)
{
	struct sip__arena_stats a = stats(), b;
	struct sip__arena *prev = sip__arena_enter(NULL);
	osip_message_t *m = NULL;

	(void)state;
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_set_call_id(m, "x@y"), 0);
	sip__arena_leave(prev);
	sip__msg_free(m);
	b = stats();
	assert_int_equal(b.dropped, a.dropped);
	assert_int_equal(b.arenas, a.arenas);
}

/* Under ASan a dropped message's blocks are poisoned: a use after the
 * drop is reported. */
static void
test_arena_drop_poisons(void **state)
{
	osip_message_t *m = parse(req);
	const char *cid = m->call_id->number;

	(void)state;
	sip__msg_free(m);
#ifdef TEST_ASAN
	if (on)
		assert_true(__asan_address_is_poisoned(cid));
#else
	(void)cid;
#endif
}

static unsigned long n_parsed, n_dropped;

/* Parses buf twice: one tree freed by the walk must give its arena back
 * (all its live blocks are the message's), the other, printed as the
 * stack does, by sip__msg_free() must too, dropped or walked. */
static void
both_ways(const char *buf, size_t len)
{
	osip_message_t *m1 = NULL, *m2 = NULL;
	struct sip__parse_err err;
	uint64_t h0 = held();
	struct sip__arena_stats a, b;
	char *w = NULL;
	size_t n;

	sip__parse(&m1, buf, len, false, &err);
	if (!m1)
		return;
	osip_message_free(m1);
	assert_int_equal(held(), h0);
	sip__parse(&m2, buf, len, false, &err);
	assert_non_null(m2);
	if (sip__msg_print(m2, &w, &n) == 0)
		osip_free(w);
	a = stats();
	sip__msg_free(m2);
	b = stats();
	assert_int_equal(held(), h0);
	n_parsed++;
	n_dropped += b.dropped - a.dropped;
}

static char *inputs[1024];
static size_t input_len[1024];
static unsigned n_inputs;

static void
each_file(const char *dir)
{
	char path[1024], file[1400];
	const char *top = getenv("LL_TOP");
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", dir);
	d = opendir(path);
	if (!d)
		fail_msg("cannot open %s (set LL_TOP)", path);
	while ((e = readdir(d)) && n_inputs < ARRAY_SIZE(inputs)) {
		FILE *f;
		char *buf;

		if (e->d_name[0] == '.' || strstr(e->d_name, ".md") ||
		    strstr(e->d_name, ".tsv") || strstr(e->d_name, "SUMS"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		f = fopen(file, "rb");
		buf = malloc(MAX_IN);
		assert_non_null(f);
		assert_non_null(buf);
		input_len[n_inputs] = fread(buf, 1, MAX_IN, f);
		fclose(f);
		inputs[n_inputs++] = buf;
	}
	closedir(d);
}

static void
test_arena_drop_corpora_both_ways(void **state)
{
	uint32_t seed = 0x5eed;
	char *buf = malloc(MAX_IN);

	(void)state;
	assert_non_null(buf);
	each_file("tests/fuzz/corpus/sip");
	each_file("tests/fuzz/crashers/sip");
	each_file("../shared/testdata/rfc4475");
	assert_true(n_inputs > 50);
	for (unsigned i = 0; i < n_inputs; i++)
		both_ways(inputs[i], input_len[i]);
	for (unsigned k = 0; k < N_MUTANTS; k++) {
		unsigned i = k % n_inputs;
		size_t len = input_len[i];

		if (len == 0)
			continue;
		memcpy(buf, inputs[i], len);
		for (int j = 0; j < 3; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 24);
		}
		both_ways(buf, len);
	}
	/* A few may be walked (a tree frame.c left half-built to
	 * osip_message_parse() is its arena's second message); at 2434 of
	 * 2434 now, most must be dropped. */
	print_message("%lu parsed, %lu dropped\n", n_parsed, n_dropped);
	if (on)
		assert_true(n_dropped * 10 >= n_parsed * 8);
	for (unsigned i = 0; i < n_inputs; i++)
		free(inputs[i]);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_drop_parsed_message),
	    cmocka_unit_test(test_arena_drop_built_and_changed),
	    cmocka_unit_test(test_arena_drop_edit_and_header_get),
	    cmocka_unit_test(test_arena_drop_loose_block_walks),
	    cmocka_unit_test(test_arena_drop_scratch_loose_blocks_harmless),
	    cmocka_unit_test(test_arena_drop_moved_block_walks),
	    cmocka_unit_test(test_arena_drop_current_arena_walks),
	    cmocka_unit_test(test_arena_drop_heap_message_walks),
	    cmocka_unit_test(test_arena_drop_poisons),
	    cmocka_unit_test(test_arena_drop_corpora_both_ways),
	};
	struct sip__arena_stats a, b;
	struct sip__arena *prev;

	sip__parser_init();
	sip__arena_stats_get(&a);
	prev = sip__arena_push();
	sip__arena_pop(prev);
	sip__arena_stats_get(&b);
	on = b.arenas > a.arenas;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
