#!/usr/bin/env bash
# Offers calls at a fixed rate for a bounded time to a SIP system under
# test, for overload and robustness work (e.g. 2-3x the capacity that
# `make bench` measured). Loopback, UDP, SIPp phone -> SUT -> SIPp PBX.
#
#   bench/overload.sh -r RATE -t SECONDS -s SUT_PORT [-p PBX_PORT] [-m]
#
#   -r RATE      calls per second offered (required)
#   -t SECONDS   how long calls are offered (required; calls = RATE*SECONDS)
#   -s SUT_PORT  UDP port of the system under test on 127.0.0.1 (required)
#   -p PBX_PORT  start a SIPp PBX (uas) on this port for the run; the SUT
#                must forward there (its core). Without -p, something else
#                already answers behind the SUT.
#   -m           mixed load (callers 3xxxx locked -> 403, 4xxxx -> 302)
#   -o DIR       keep SIPp's files there (default: a temporary directory)
#
# Prints one line "rate=R calls=N ok=N failed=N retrans=N elapsed_s=S
# p99_200_ms=X" and exits 0 when the load ran (whatever the outcome), 2 on
# bad usage, 1 when the load could not run. Every process it starts is
# stopped by PID; SIPp is bounded by -m and -timeout.
#
# Sourced (". bench/overload.sh" with B_OVERLOAD_LIB=1) it only defines
# bench_overload RATE SECONDS SUT_PORT [PBX_PORT [mixed [DIR]]], which
# prints the same line.
set -uo pipefail

B_TOP=${B_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
. "$B_TOP/bench/lib.sh"

bench_overload() {
	local rate=$1 secs=$2 sut=$3 pbx=${4:-} mixed=${5:-} dir=${6:-}
	local scen inf line
	[ -n "$dir" ] || dir=$B_WORK/overload
	[ -s "$B_WORK/callers.csv" ] || b_callers
	if [ -n "$mixed" ]; then
		scen=$(b_scenario uac_mixed); inf=$B_WORK/mixed.csv
	else
		scen=$(b_scenario uac); inf=$B_WORK/callers.csv
	fi
	if [ -n "$pbx" ]; then
		b_spawn B_UAS_PID "uas-$pbx" sipp -nostdin \
			-sf "$B_TOP/bench/sipp/uas.xml" -i 127.0.0.1 -p "$pbx" \
			-buff_size "$B_BUF" -timeout "$((secs + 120))s" ||
			return 1
		b_wait_udp "$pbx" || return 1
	fi
	B_SUT_PORT=$sut B_SUT_PID=""
	line=$(b_step "$rate" $((rate * secs)) "$scen" "$inf" "$dir") ||
		return 1
	[ -z "$pbx" ] || b_stop "$B_UAS_PID"
	set -- $line
	echo "rate=$1 calls=$2 ok=$3 failed=$4 retrans=$5 elapsed_s=$6" \
		"p99_200_ms=${12}"
}

if [ -n "${B_OVERLOAD_LIB:-}" ]; then
	return 0 2>/dev/null || exit 0
fi

usage() {
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

rate="" secs="" sut="" pbx="" mixed="" dir=""
while getopts r:t:s:p:mo:h opt; do
	case $opt in
	r) rate=$OPTARG ;;
	t) secs=$OPTARG ;;
	s) sut=$OPTARG ;;
	p) pbx=$OPTARG ;;
	m) mixed=1 ;;
	o) dir=$OPTARG ;;
	*) usage ;;
	esac
done
for v in "$rate" "$secs" "$sut" ${pbx:+"$pbx"}; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || usage
done
trap b_cleanup EXIT
trap 'exit 130' INT TERM
bench_overload "$rate" "$secs" "$sut" "$pbx" "$mixed" "$dir" || exit 1
exit 0
