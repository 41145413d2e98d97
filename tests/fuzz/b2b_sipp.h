/* SIPp's keywords for fuzz_b2b: expansion of a message against the
 * last one linelock sent to the same peer. Test code only. */
#ifndef LL_TESTS_FUZZ_B2B_SIPP_H
#define LL_TESTS_FUZZ_B2B_SIPP_H

#include <stddef.h>

#define FB_MAX_MSG 65535u	/* sip/'s default max_message */

/* A growing output buffer of FB_MAX_MSG bytes; past it, bytes drop. */
struct fb_buf {
	char *p;
	size_t n;
};

/* Appends n bytes of s (as many as fit). */
void	fb_put(struct fb_buf *o, const char *s, size_t n);

/* memmem() is a GNU extension: the first nlen bytes of needle in
 * [h, h+n), or NULL. */
const void *fb_find(const void *h, size_t n, const char *needle,
	    size_t nlen);

/* Writes s (n bytes) into o with SIPp's keywords expanded from `msg`
 * (NUL-ended text, may be NULL): [last_Name:] every line of that
 * header, [peer_tag_param] ";tag=" of its To, [next_url] its Contact
 * URI, [routes] a Route from its Record-Route reversed, [len] the body
 * length as it came out. A line that was only a keyword and came out
 * empty goes, as in SIPp. Unknown [words] are copied. */
void	fb_expand(struct fb_buf *o, const char *s, size_t n,
	    const char *msg);

#endif
