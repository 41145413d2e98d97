/* For the differential tests that pair requests with responses
 * (sip/test_print_ack, b2bua/test_msg_tail): every message of the SIP
 * fuzz corpus, its crashers and the RFC 4475 torture messages, parsed by
 * our parser and kept, split by kind. Include after <cmocka.h> and
 * "sip/internal.h". */
#ifndef LL_TEST_CORPUS_SIP_H
#define LL_TEST_CORPUS_SIP_H

#include "corpus.h"

#define TEST_MSGS_MAX 512

static osip_message_t *test_reqs[TEST_MSGS_MAX], *test_resps[TEST_MSGS_MAX];
static size_t test_n_reqs, test_n_resps;

static inline void
test_msgs_keep(const char *text, size_t len)
{
	osip_message_t *m = NULL;
	struct sip__parse_err err;

	(void)sip__parse(&m, text, len, false, &err);
	if (m && MSG_IS_REQUEST(m) && test_n_reqs < TEST_MSGS_MAX)
		test_reqs[test_n_reqs++] = m;
	else if (m && MSG_IS_RESPONSE(m) && test_n_resps < TEST_MSGS_MAX)
		test_resps[test_n_resps++] = m;
	else
		osip_message_free(m);
}

/* Loads them all; a corpus this small would prove nothing. */
static inline void
test_msgs_load(void)
{
	test_corpus_each("tests/fuzz/corpus/sip", test_msgs_keep);
	test_corpus_each("tests/fuzz/crashers/sip", test_msgs_keep);
	test_corpus_each("../shared/testdata/rfc4475", test_msgs_keep);
	assert_in_range(test_n_reqs, 30, TEST_MSGS_MAX);
	assert_in_range(test_n_resps, 4, TEST_MSGS_MAX);
}

static inline void
test_msgs_free(void)
{
	for (size_t i = 0; i < test_n_reqs; i++)
		osip_message_free(test_reqs[i]);
	for (size_t i = 0; i < test_n_resps; i++)
		osip_message_free(test_resps[i]);
	test_n_reqs = test_n_resps = 0;
}

#endif
