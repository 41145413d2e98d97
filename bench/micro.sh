#!/usr/bin/env bash
# Microbenchmarks (run by bench/run.sh; prints a Markdown section):
#   bench-* targets  the rooms' own (pol_decide: `make bench-pol`, ...)
#   SIP message      libosip2 parse + serialize of a typical INVITE
#   LMDB snapshot    one read transaction with one line lookup
# Each runs three times; the median of the three is reported.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/bench}

# Median of the numbers on stdin.
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# Runs "$@" three times; prints "mean p50 p99" medians from key=value output.
three() {
	local out i
	out=$(for i in 1 2 3; do "$@" || return 1; done) || return 1
	echo "$out" >&2
	for k in mean_ns p50_ns p99_ns; do
		grep -o "$k=[0-9]*" <<<"$out" | cut -d= -f2 | median
	done | tr '\n' ' '
}

echo "## Microbenchmarks (median of 3 runs, ns)"
echo
echo "| what | command | mean | p50 | p99 |"
echo "|---|---|---|---|---|"
row() {
	local what=$1 cmd=$2 r
	shift 2
	if r=$(three "$@"); then
		set -- $r
		echo "| $what | \`$cmd\` | $1 | $2 | $3 |"
	else
		echo "| $what | \`$cmd\` | failed | | |"
	fi
}
if make --no-print-directory BUILD="$BUILD" "$BUILD/bench/sip_bench" >&2; then
	row "libosip2 parse + to_str, 563-byte INVITE with SDP" \
		"$BUILD/bench/sip_bench 200000" "$BUILD/bench/sip_bench" 200000
else
	echo "| SIP parse + serialize | | not built | | |"
fi
if make --no-print-directory BUILD="$BUILD" "$BUILD/bench/store_bench" >&2
then
	row "LMDB read txn + line lookup (200 locked lines)" \
		"$BUILD/bench/store_bench 200000 200" \
		"$BUILD/bench/store_bench" 200000 200
else
	echo "| LMDB read txn + lookup | | not built | | |"
fi
# The rooms' own microbenchmarks: every `bench-NAME` target of the Makefile
# (bench-pol: pol_decide, storage helper; bench-txn: sip/ transactions).
targets=$(sed -n 's/^\(bench-[a-z0-9_-]*\):.*/\1/p' Makefile)
[ -n "$targets" ] || printf '\nNo `make bench-*` targets (rooms) yet.\n'
for t in $targets; do
	echo
	if out=$(make --no-print-directory BUILD="$BUILD" "$t" 2>&1); then
		echo "\`make $t\`:"
	else
		echo "\`make $t\` failed:"
	fi
	echo
	echo '```'
	echo "$out" | grep -Ev '^(cc|gcc|clang|make|/usr/bin/python3) ' |
		tail -n 20
	echo '```'
done
echo
