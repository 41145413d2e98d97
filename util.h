/* Top-level helpers shared by every room. Depends on no room. */
#ifndef LL_UTIL_H
#define LL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

/* IS_ENABLED(CONFIG_X) is 1 when Kconfig set X, else 0; usable in `if`. */
#define LL__ARG_PLACEHOLDER_1 0,
#define LL__TAKE_SECOND(ignored, val, ...) val
#define LL__IS_DEFINED3(arg1_or_junk) LL__TAKE_SECOND(arg1_or_junk 1, 0, 0)
#define LL__IS_DEFINED2(val) LL__IS_DEFINED3(LL__ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option) LL__IS_DEFINED2(option)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

#define LL_UNUSED __attribute__((unused))

/* Copies at most size-1 bytes of src into dst and terminates it.
 * Returns the length of src, so a result >= size means truncation. */
size_t	ll_strlcpy(char *dst, const char *src, size_t size);

/* Monotonic milliseconds, for timers and rate windows. */
uint64_t	ll_now_ms(void);

#endif
