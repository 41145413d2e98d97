/* What every fuzz target in tests/fuzz/ provides. Each fuzz_<name>.c is
 * built twice: with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`) and
 * with replay.c's main() as a cmocka test that replays the checked-in
 * corpus and crashers (`make test`, gcc or clang, then valgrind). */
#ifndef LL_TESTS_FUZZ_H
#define LL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point: one input, borrowed. Always returns 0. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frees what the target keeps between inputs (lazily made on the first
 * one), so that a replay run ends valgrind-clean. libFuzzer never calls
 * it: its process just exits. */
void	fuzz_teardown(void);

#endif
