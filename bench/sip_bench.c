/* SIP message cost: libosip2 parse + serialize of a typical INVITE (the
 * phone's, with SDP), the work sip/ does for every message it receives
 * and sends. Prints per-message nanoseconds: mean and p50/p99 over single
 * timed rounds.
 *   sip_bench [ROUNDS]   (default 200000) */
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

static const char invite_head[] =
    "INVITE sip:5001@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:30001;branch=z9hG4bK-4242-17-i\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:20017@127.0.0.1:30001>;tag=4242-17\r\n"
    "To: <sip:5001@127.0.0.1:5060>\r\n"
    "Call-ID: 17-4242@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:20017@127.0.0.1:30001>\r\n"
    "User-Agent: linelock-bench\r\n"
    "Content-Type: application/sdp\r\n";

static const char invite_body[] =
    "v=0\r\n"
    "o=20017 53655765 2353687637 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendrecv\r\n";

/* The INVITE as the phone sends it (head, Content-Length, body). */
static char invite[1024];
static size_t invite_len;

/* One parse and one serialize; returns the serialized length or -1. */
static long
sip_bench_round(void)
{
	osip_message_t *m = NULL;
	char *out = NULL;
	size_t len = 0;

	if (osip_message_init(&m) != 0)
		return -1;
	if (osip_message_parse(m, invite, invite_len) != 0 ||
	    osip_message_to_str(m, &out, &len) != 0) {
		osip_message_free(m);
		return -1;
	}
	osip_free(out);
	osip_message_free(m);
	return (long)len;
}

int
main(int argc, char **argv)
{
	size_t rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	uint64_t *ns, t0, total = 0;
	size_t i;

	if (rounds == 0 || parser_init() != 0)
		return 2;
	invite_len = (size_t)snprintf(
	    invite, sizeof(invite), "%sContent-Length: %zu\r\n\r\n%s",
	    invite_head, sizeof(invite_body) - 1, invite_body);
	ns = calloc(rounds, sizeof(*ns));
	if (ns == NULL)
		return 1;
	for (i = 0; i < 1000; i++) /* warm the allocator and caches */
		if (sip_bench_round() < 0) {
			fprintf(stderr,
			        "sip_bench: the INVITE does not parse\n");
			return 1;
		}
	for (i = 0; i < rounds; i++) {
		t0 = bench_now_ns();
		sip_bench_round();
		ns[i] = bench_now_ns() - t0;
		total += ns[i];
	}
	printf("sip_parse_serialize invite_bytes=%zu rounds=%zu mean_ns=%llu "
	       "p50_ns=%llu p99_ns=%llu\n",
	       invite_len, rounds, (unsigned long long)(total / rounds),
	       (unsigned long long)bench_percentile(ns, rounds, 50),
	       (unsigned long long)bench_percentile(ns, rounds, 99));
	free(ns);
	return 0;
}
