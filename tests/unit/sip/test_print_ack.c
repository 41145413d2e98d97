/* sip__print_ack() (the ACK for a 2xx printed straight from the INVITE
 * and the 2xx, sip_send_ack_2xx()) against what it replaced: the ACK
 * built by sip_msg_new_ack(), our Via added by sip__via_add() and the
 * whole printed by sip__msg_print(). Each request of the SIP fuzz
 * corpus, its crashers and the RFC 4475 messages stands for the INVITE
 * and each response of the same files and a table of shapes (Record-
 * Route sets, odd targets, display names) for the 2xx, with sent-by
 * texts of every shape and each transport: wherever the printer gives a
 * text, the builder gives the same bytes. */
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

#include "corpus_sip.h"

static const char *const shapes[] = {
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK4\r\n"
    "Record-Route: <sip:p1.example.com;lr>, \"Proxy\" <sip:p2@x;lr;ftag=a>\r\n"
    "Record-Route: <sip:[2001:db8::7]:5070;lr;transport=tcp>\r\n"
    "From: \"A b\" <sip:a@example.com;user=phone>;tag=3;x\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: \"B\" <sip:b@192.0.2.5:5062;transport=udp?h=v>;expires=9\r\n"
    "Content-Length: 0\r\n\r\n",
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK5\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>;tag=4\r\n"
    "Call-ID: only-number\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <tel:+15551234>\r\n"
    "Content-Length: 0\r\n\r\n",
    "SIP/2.0 202 Accepted\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK6\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>\r\n"
    "Call-ID: r@x\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sips:%41b@[2001:db8::1]:5061;lr>\r\n"
    "Content-Length: 0\r\n\r\n",
    "INVITE sip:b@example.com;x=y?subject=z SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK7\r\n"
    "From: <sip:a@example.com>;tag=3\r\n"
    "To: <sip:b@example.com>\r\n"
    "Call-ID: i@x\r\n"
    "CSeq: 0042 INVITE\r\n"
    "Content-Length: 0\r\n\r\n",
};

static const char *const sent_bys[] = {
    "127.0.0.1:5060", "[::1]:5062", "example.com", "[2001:db8::1]",
    "host:", "192.0.2.1",
};

static const enum net_transport transports[] = {NET_UDP, NET_TCP, NET_TLS};

static unsigned printed, declined;

static void
compare_one(const osip_message_t *inv, const osip_message_t *resp,
            const char *sent_by, enum net_transport t)
{
	static struct sip_stack s;
	struct sip__listener l;
	const char *branch = "z9hG4bK0123456789abcdef";
	osip_message_t *a = NULL;
	const char *ours;
	char *theirs = NULL;
	size_t n_ours, n_theirs;
	int rc;

	memset(&l, 0, sizeof(l));
	snprintf(s.sent_by[0], sizeof(s.sent_by[0]), "%s", sent_by);
	rc = sip__print_ack(inv, resp, net_transport_sip_name(t), sent_by,
	                    branch, &ours, &n_ours);
	if (rc == -ENOTSUP || rc == -EINVAL) {
		declined++;
		return;
	}
	assert_int_equal(rc, 0);
	if (sip_msg_new_ack(&a, inv, resp) != 0)
		fail_msg("printed an ACK the builder refuses:\n%s", ours);
	assert_int_equal(sip__via_add(&s, a, &l, t, branch), 0);
	assert_int_equal(sip__msg_print(a, &theirs, &n_theirs), 0);
	/* ours lives in the printer's buffer, which sip__msg_print() just
	 * reused: print it again. */
	assert_int_equal(sip__print_ack(inv, resp, net_transport_sip_name(t),
	                                sent_by, branch, &ours, &n_ours),
	                 0);
	if (n_ours != n_theirs || memcmp(ours, theirs, n_ours) != 0)
		fail_msg("ACK differs:\nprinted:\n%.*s\nbuilt:\n%s",
		         (int)n_ours, ours, theirs);
	printed++;
	osip_free(theirs);
	osip_message_free(a);
}

static void
test_print_ack_matches_builder(void **state)
{
	(void)state;
	sip__parser_init();
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
		test_msgs_keep(shapes[i], strlen(shapes[i]));
	test_msgs_load();
	for (size_t r = 0; r < test_n_reqs; r++)
		for (size_t p = 0; p < test_n_resps; p++)
			for (size_t b = 0; b < ARRAY_SIZE(sent_bys); b++)
				for (size_t t = 0; t < ARRAY_SIZE(transports);
				     t++)
					compare_one(test_reqs[r], test_resps[p],
					            sent_bys[b], transports[t]);
	print_message("%zu requests x %zu responses: %u printed, "
	              "%u declined\n", test_n_reqs, test_n_resps, printed,
	              declined);
	assert_in_range(printed, 1000, 100000000);
	test_msgs_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_print_ack_matches_builder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
