#!/usr/bin/env bash
# Instructions per call (deterministic, unlike time): each system under
# test runs twice under valgrind --tool=callgrind, once carrying
# B_CG_CALLS calls (default 200) at B_CG_RATE cps (default 50), once idle
# for as long; Ir per call = (Ir loaded - Ir idle) / calls, all processes
# summed (callgrind_control cannot reach Kamailio's forked workers).
# Prints a Markdown section. Run by bench/run.sh; B_SYSTEMS_OK lists the
# systems that work (linelock only when calls flow through it).
set -uo pipefail
cd "$(dirname "$0")/.."
B_TOP=$PWD
KAM_SHM_MB=${KAM_SHM_MB:-256}	# 200 calls need little; valgrind is slow
. bench/lib.sh
trap b_cleanup EXIT
trap 'exit 130' INT TERM
B_CG_CALLS=${B_CG_CALLS:-200}
B_CG_RATE=${B_CG_RATE:-50}
B_HOLD_MS=100

b_callers
b_scenario uac >/dev/null

# Total Ir of system $1 over its whole life: started under callgrind, one
# warm-up call, then $2 calls at B_CG_RATE (or, for 0, the same time
# idle), stopped; every process's exit dump summed. Prints "Ir ok_calls".
cg_total() {
	local sys=$1 n=$2 dir=$B_WORK/cg-$1-$2 line ok=0 total
	mkdir -p "$dir"
	B_WRAP="valgrind --tool=callgrind --callgrind-out-file=$dir/cg.%p"
	b_sut_start "$sys" || { B_WRAP=""; b_sut_stop; return 1; }
	B_WRAP=""
	b_step 1 1 "$B_WORK/uac.xml" "$B_WORK/callers.csv" "$dir/warm" \
		>/dev/null
	if [ "$n" -gt 0 ]; then
		line=$(b_step "$B_CG_RATE" "$n" "$B_WORK/uac.xml" \
			"$B_WORK/callers.csv" "$dir/sipp")
		ok=$(cut -f3 <<<"$line")
	else
		sleep $((B_CG_CALLS / B_CG_RATE + 1))
	fi
	b_sut_stop
	total=$(cat "$dir"/cg.* 2>/dev/null |
		awk '/^totals:/ { s += $2 } END { printf "%.0f", s }')
	echo "$total $ok"
}

echo "## Instructions per call (callgrind)"
echo
echo "$B_CG_CALLS calls at $B_CG_RATE cps, ${B_HOLD_MS} ms hold, against the"
echo "same run idle; all processes summed: \`bench/callgrind.sh\`."
echo
echo "| system | calls ok | Ir loaded | Ir idle | Ir per call |"
echo "|---|---|---|---|---|"
for sys in ${B_SYSTEMS_OK-kam-qm kam-tlsf linelock}; do
	[ "$sys" != sipp ] || continue
	if busy=$(cg_total "$sys" "$B_CG_CALLS") && set -- $busy &&
		[ "${2:-0}" -gt 0 ] && idle=$(cg_total "$sys" 0); then
		echo "| $sys | $2 | $1 | ${idle% *} |" \
			"$(( ($1 - ${idle% *}) / $2 )) |"
	else
		echo "| $sys | failed | | | |"
	fi
done
echo
