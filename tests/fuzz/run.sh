#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time.
#   BUILD=build/fuzz FUZZ_SECONDS=60 tests/fuzz/run.sh [name...]
# `make fuzz` builds the targets (clang, ASan + UBSan) and calls this.
#
# Each target starts from a work corpus in $BUILD/corpus/<name>, fed by the
# checked-in seeds (tests/fuzz/corpus/<name>) and by the test suite's own
# inputs (config cases, RFC 4475 torture messages, ...; see seed_*). Crash,
# leak and timeout inputs land in $BUILD/artifacts/<name>/; triage them,
# fix the bug, then keep the input in tests/fuzz/crashers/<name>/ so the
# replay test in `make test` guards the fix. Ends "N targets clean, N
# found problems" and exits non-zero when any target found one.
# FUZZ_MERGE=1 also merges new coverage back into tests/fuzz/corpus.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
TESTDATA=${LL_TESTDATA:-/work/shared/testdata}
FUZZ=tests/fuzz

# Extra seeds from the rest of the tree, copied (by content hash) into the
# work corpus so that the checked-in corpus stays small.
seed_files() {
	case "$1" in
	conf)
		ls tests/config/*.conf etc/*.conf \
			tests/integration/*/*.conf 2>/dev/null ;;
	sip*)
		ls "$TESTDATA"/rfc4475/*.dat 2>/dev/null ;;
	http*)
		ls "$FUZZ"/corpus/http/* 2>/dev/null ;;
	esac
}

seed() {
	local name=$1 dir=$2 f h
	# fuzz_b2b plays the integration tests' SIPp scenarios against each
	# other: its seeds are made from them afresh.
	[ "$name" = b2b ] && python3 "$FUZZ/b2b_seeds.py" "$dir" >/dev/null
	for f in $(seed_files "$name"); do
		h=$(sha1sum "$f" | cut -c1-40)
		[ -e "$dir/$h" ] || cp "$f" "$dir/$h"
	done
}

fuzz_one() {
	local name=$1 bin=$BUILD/fuzzers/fuzz_$1 work art log dict=()
	work=$BUILD/corpus/$name
	art=$BUILD/artifacts/$name
	log=$BUILD/fuzz_$name.log
	mkdir -p "$work" "$art"
	seed "$name" "$work"
	[ -f "$FUZZ/$name.dict" ] && dict=(-dict="$FUZZ/$name.dict")
	echo "fuzz_$name: ${FUZZ_SECONDS}s"
	# Leaks count as findings (detect_leaks); -timeout is per input.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-65536}" \
		-print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
		"$work" "$FUZZ/corpus/$name" >"$log" 2>&1
	local rc=$?
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' \
		"$log" | tail -n 3
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$name: FOUND A PROBLEM (exit $rc), see $log"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' \
			"$log" | head -n 10
		return 1
	fi
	if [ "${FUZZ_MERGE:-}" = 1 ]; then
		"$bin" -merge=1 "$FUZZ/corpus/$name" "$work" \
			>>"$log" 2>&1
	fi
	echo "fuzz_$name: clean"
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$FUZZ"/fuzz_*.c; do
		f=${f##*/fuzz_}
		names+=("${f%.c}")
	done
fi
clean=0 found=0
for n in "${names[@]}"; do
	if [ ! -x "$BUILD/fuzzers/fuzz_$n" ]; then
		echo "fuzz_$n: not built ($BUILD/fuzzers/fuzz_$n)"
		found=$((found + 1))
	elif fuzz_one "$n"; then
		clean=$((clean + 1))
	else
		found=$((found + 1))
	fi
done
echo "$clean targets clean, $found found problems"
[ "$found" -eq 0 ]
