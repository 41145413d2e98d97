#!/usr/bin/env bash
# linelock benchmark, side by side with Kamailio (`make bench`).
#
#   BUILD=build/bench bench/run.sh
#
# Calls: SIPp phone -> system under test -> SIPp PBX over UDP on loopback,
# the offered rate rising in steps until calls fail (a failing step is
# repeated once: the machine may be shared); the same ramp for SIPp
# alone (the generator's ceiling), Kamailio (default allocator and TLSF) and
# linelockd when calls flow through it. Then a mixed load (403/302/200),
# registrations, microbenchmarks and callgrind instructions per call.
# Results: bench/out/ (RESULTS.md, calls.png, raw data). Bounded to about
# B_BUDGET_S seconds (default 900); a missed target or a section that
# cannot run is reported, and the script still exits 0 once it ran.
#
# Knobs: B_RUNS (3), B_STEP_S (3 s of calls per step), B_RATES, B_REF_RATE
# (rate where CPU/latency are compared), B_MIXED_RATE, B_HOLD_MS (500),
# B_SYSTEMS (default: all that work), KAM_CHILDREN (4), B_BUDGET_S,
# B_LL_MAX_TXN (linelockd's [sip] max_transactions, 200000), B_LL_MAX_CALLS
# (its max_calls, 100000).
set -uo pipefail
cd "$(dirname "$0")/.."
B_TOP=$PWD
export BUILD=${BUILD:-build/bench}
. bench/lib.sh

B_RUNS=${B_RUNS:-3}
B_STEP_S=${B_STEP_S:-3}
B_RATES=${B_RATES:-"400 800 1200 1600 2000 2400 3200 4000 4800 5600 6400 8000
	9600 12000 16000"}
B_RATES=$(echo $B_RATES)	# one line
B_REF_RATE=${B_REF_RATE:-800}
B_MIXED_RATE=${B_MIXED_RATE:-800}
B_BUDGET_S=${B_BUDGET_S:-900}
B_START=$SECONDS

trap b_cleanup EXIT
trap 'exit 130' INT TERM

b_time_left() { echo $((B_BUDGET_S - (SECONDS - B_START))); }

rm -rf "$B_OUT"
mkdir -p "$B_OUT"

b_machine() {
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
		echo "cores=$(nproc)"
		echo "kernel=$(uname -sr)"
		echo "sipp=$(sipp -v 2>&1 | sed -n 's/.*SIPp \(v[^ ,-]*\).*/\1/p' |
			head -n1)"
		echo "kamailio=$(kamailio -v 2>&1 |
			sed -n 's/^version: kamailio \([^ ]*\).*/\1/p')"
		echo "runs=$B_RUNS"
		echo "step_s=$B_STEP_S"
		echo "rates=${B_RATES// /, }"
		echo "ref_rate=$B_REF_RATE"
		echo "hold_ms=$B_HOLD_MS"
		echo "kam_children=$KAM_CHILDREN"
		echo "kam_shm=$KAM_SHM_MB"
		echo "kam_pkg=$KAM_PKG_MB"
	} >"$B_OUT/run.kv"
}

# Builds linelock and says whether one call goes through it.
b_linelock_probe() {
	local line ok
	if ! make --no-print-directory BUILD="$BUILD" all \
		>"$B_OUT/build.log" 2>&1; then
		echo "linelock=not built (make failed, see bench/out/build.log)" \
			>>"$B_OUT/run.kv"
		return 1
	fi
	# The seeder writes lock records faster than linelockctl.
	make --no-print-directory BUILD="$BUILD" "$BUILD/bench/ll_seed" \
		>>"$B_OUT/build.log" 2>&1 || b_log "ll_seed not built"
	if ! b_sut_start linelock; then
		b_sut_stop
		echo "linelock=built, daemon did not start" >>"$B_OUT/run.kv"
		return 1
	fi
	line=$(b_step 5 5 "$B_WORK/uac.xml" "$B_WORK/callers.csv" \
		"$B_OUT/probe")
	b_sut_stop
	ok=$(cut -f3 <<<"$line")
	if [ "${ok:-0}" != 5 ]; then
		echo "linelock=built ($(git rev-parse --short HEAD)), calls do" \
			"not go through yet (probe: $ok of 5)" >>"$B_OUT/run.kv"
		return 1
	fi
	echo "linelock=$(git rev-parse --short HEAD), $(stat -c %s \
		"$BUILD/linelockd") bytes unstripped" >>"$B_OUT/run.kv"
}

# True when step line $1 completed every call and none failed.
b_step_ok() {
	set -- $1
	[ "${4:-1}" = 0 ] && [ "${3:-0}" = "${2:-}" ]
}

# One ramp of system $1 (run $2). This machine is shared (other builds and
# tests run), so a failing step is repeated once and counts as failed only
# when the repeat fails too; the ramp ends after the first failed step.
b_ramp() {
	local sys=$1 run=$2 base=$B_OUT/ramp-$1-$2 rate line mem try
	b_sut_start "$sys" || { b_log "$sys: did not start"; b_sut_stop; return; }
	: >"$base.steps"
	for rate in $B_RATES; do
		if [ "$(b_time_left)" -lt 60 ]; then
			b_log "$sys: time budget spent, ramp stops at $rate cps"
			echo "stopped=time budget spent before $rate cps" \
				>>"$base.kv"
			break
		fi
		for try in 1 2; do
			line=$(b_step "$rate" $((rate * B_STEP_S)) \
				"$B_WORK/uac.xml" "$B_WORK/callers.csv" \
				"$B_WORK/steps/$sys-$run-$rate-$try")
			b_log "$sys run $run try $try: $(cut -f1-6 <<<"$line")"
			! b_step_ok "$line" || break
			[ "$try" = 2 ] || echo "retried_$rate=$(cut -f1-6 \
				<<<"$line" | tr '\t' ' ')" >>"$base.kv"
		done
		echo "$line" >>"$base.steps"
		b_step_ok "$line" || break
	done
	if [ -n "$B_SUT_PID" ]; then
		mem=$(b_mem_kib "$B_SUT_PID")
		echo "hwm_kib=${mem% *}" >>"$base.kv"
		echo "pss_kib=${mem#* }" >>"$base.kv"
	fi
	b_sut_stop
}

# The mixed load at B_MIXED_RATE for system $1 (run $2).
b_mixed() {
	local sys=$1 run=$2 base=$B_OUT/mixed-$1-$2 line
	b_sut_start "$sys" || { b_sut_stop; return; }
	line=$(b_step "$B_MIXED_RATE" $((B_MIXED_RATE * B_STEP_S)) \
		"$B_WORK/uac_mixed.xml" "$B_WORK/mixed.csv" \
		"$B_WORK/steps/mixed-$sys-$run")
	echo "$line" >"$base.steps"
	b_log "$sys mixed run $run: $(cut -f1-6,17-19 <<<"$line")"
	b_sut_stop
}

b_machine
b_callers
b_scenario uac >/dev/null
b_scenario uac_mixed >/dev/null

systems=${B_SYSTEMS:-"sipp kam-qm kam-tlsf linelock"}
if [[ " $systems " == *" linelock "* ]] && ! b_linelock_probe; then
	b_log "linelock: $(sed -n 's/^linelock=//p' "$B_OUT/run.kv")"
	systems=${systems/linelock/}
fi

for run in $(seq "$B_RUNS"); do
	for sys in $systems; do
		b_ramp "$sys" "$run"
	done
done

# B_RAMP_ONLY=1: the capacity ramp alone (a quick before/after check).
[ -z "${B_RAMP_ONLY:-}" ] || B_RUNS_MIXED=0
for run in $(seq "${B_RUNS_MIXED:-$B_RUNS}"); do
	for sys in $systems; do
		[ "$sys" != sipp ] || continue
		[ "$(b_time_left)" -gt 30 ] || break
		b_mixed "$sys" "$run"
	done
done

for part in registrations micro callgrind; do
	[ -z "${B_RAMP_ONLY:-}" ] || break
	if [ -x "bench/$part.sh" ] && [ "$(b_time_left)" -gt 30 ]; then
		B_SYSTEMS_OK="$systems" bench/"$part".sh >"$B_OUT/$part.md" \
			2>"$B_OUT/$part.log" || b_log "$part: failed (see $part.log)"
	fi
done

python3 bench/report.py summary "$B_OUT"
if command -v gnuplot >/dev/null; then
	plotted=$(cd "$B_OUT" && ls calls-*.dat 2>/dev/null |
		sed 's/^calls-//; s/\.dat$//' | tr '\n' ' ')
	gnuplot -e "out='$B_OUT'; systems='$plotted'" bench/plot.gp \
		2>"$B_OUT/plot.log" ||
		b_log "plot failed (see bench/out/plot.log)"
else
	b_log "gnuplot missing (apt-get install gnuplot-nox): no plot"
fi
b_log "done in $((SECONDS - B_START)) s: bench/out/RESULTS.md"
exit 0
