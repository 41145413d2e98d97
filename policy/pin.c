/* PIN rules: what a phone user may choose as a line PIN. */
#include <errno.h>
#include <string.h>

#include "policy/pol.h"

/* True for one digit repeated, or a run stepping by +1 or -1 (mod 10,
 * so 7890 and 2109 count), the PINs tried first by anyone guessing. */
static bool
pin_is_trivial(const char *pin, size_t n)
{
	bool same = true, up = true, down = true;

	for (size_t i = 1; i < n; i++) {
		int prev = pin[i - 1] - '0', d = pin[i] - '0';

		same = same && d == prev;
		up = up && d == (prev + 1) % 10;
		down = down && d == (prev + 9) % 10;
	}
	return same || up || down;
}

int
pol_pin_check(const char *pin, const char *ext, const char **why)
{
	size_t n = pin ? strnlen(pin, POL_PIN_MAX + 1) : 0;
	const char *unused;

	if (!why)
		why = &unused;
	if (n < POL_PIN_MIN || n > POL_PIN_MAX ||
	    strspn(pin, "0123456789") != n)
		return *why = "PIN must be 4 to 8 digits", -EINVAL;
	if (ext && strcmp(pin, ext) == 0)
		return *why = "PIN must not be the extension", -EINVAL;
	if (pin_is_trivial(pin, n))
		return *why = "PIN too simple", -EINVAL;
	*why = NULL;
	return 0;
}
