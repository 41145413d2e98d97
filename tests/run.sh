#!/usr/bin/env bash
# Runs every test of linelock and ends with one line "N passed, N failed".
#   BUILD=build tests/run.sh [filter]
# Unit tests (cmocka, then again under valgrind unless sanitized), config
# cases (tests/config/NN.conf through --check-config against NN.ok) and
# integration cases (tests/integration/<case>/run). A filter (a regular
# expression) keeps only the tests whose name matches it.
# LL_UNIT_ONLY=1 skips config and integration cases; LL_SANITIZED=1 skips valgrind.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FILTER=${1:-.}
OUT=tests/out/$(basename "$BUILD")
rm -rf "$OUT"; mkdir -p "$OUT"
export BUILD LL_TOP=$PWD LL_OUT=$PWD/$OUT
passed=0 failed=0 failures=()

ok()   { passed=$((passed + $1)); }
bad()  { failed=$((failed + $1)); failures+=("$2"); echo "FAIL: $2" >&2; }
want() { [[ "$1" =~ $FILTER ]]; }

run_unit() {
	local bin=$1 name log p f
	name=unit/${bin#"$BUILD"/tests/}
	want "$name" || return 0
	log=$OUT/${name//\//_}.log
	CMOCKA_MESSAGE_OUTPUT=stdout timeout 300 "$bin" >"$log" 2>&1
	local rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
	ok "${p:-0}"
	if [ "$rc" -ne 0 ] || [ -n "$f" ] || [ -z "$p" ]; then
		bad "${f:-1}" "$name (see $log)"
		grep -E '^\[  (FAILED|ERROR) |Error|error:' "$log" | head -n 20 >&2
	fi
	echo "$name: ${p:-0} passed${f:+, $f failed}"
}

run_valgrind() {
	local bin=$1 name log
	name=valgrind/${bin#"$BUILD"/tests/}
	want "$name" || return 0
	log=$OUT/${name//\//_}.log
	if timeout 600 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		"$bin" >"$log" 2>&1; then
		ok 1; echo "$name: clean"
	else
		bad 1 "$name (see $log)"; tail -n 30 "$log" >&2
	fi
}

run_config() {
	local conf=$1 name expect log
	name=config/$(basename "$conf" .conf)
	want "$name" || return 0
	expect=${conf%.conf}.ok
	log=$OUT/${name//\//_}.out
	(cd tests/config && "$LL_TOP/$BUILD/linelockd" --check-config \
		-c "$(basename "$conf")" >"$LL_OUT/${log##*/}" 2>&1)
	echo "exit $?" >>"$log"
	if diff -u "$expect" "$log" >"$log.diff"; then
		ok 1; echo "$name: ok"
	else
		bad 1 "$name"; cat "$log.diff" >&2
	fi
}

run_integration() {
	local dir=$1 name log start
	name=integration/$(basename "$dir")
	want "$name" || return 0
	log=$OUT/${name//\//_}.log
	start=$(date +%s)
	if LL_CASE_DIR=$PWD/$dir timeout -k 10 "${LL_CASE_TIMEOUT:-600}" \
		"$dir/run" >"$log" 2>&1; then
		ok 1; echo "$name: ok ($(( $(date +%s) - start ))s)"
	else
		bad 1 "$name (see $log)"; tail -n 40 "$log" >&2
	fi
}

for bin in "$BUILD"/tests/*/test_*; do
	[ -x "$bin" ] && run_unit "$bin"
done
if [ -z "${LL_SANITIZED:-}" ] && command -v valgrind >/dev/null; then
	for bin in "$BUILD"/tests/*/test_*; do
		[ -x "$bin" ] && run_valgrind "$bin"
	done
fi
if [ -z "${LL_UNIT_ONLY:-}" ]; then
	# Config cases expect the default Kconfig (TLS, IPv6 and web on).
	for conf in tests/config/*.conf; do
		[ -f "$conf" ] && run_config "$conf"
	done
	for dir in tests/integration/*/; do
		[ -x "$dir/run" ] && run_integration "${dir%/}"
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
