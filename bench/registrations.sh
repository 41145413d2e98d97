#!/usr/bin/env bash
# Registrations and memory through linelock (run by bench/run.sh when calls
# flow through linelockd; prints a Markdown section):
#   - linelockd's resident memory idle, with 1,000 and 10,000 registered
#     phones (REGISTER relayed to a SIPp registrar on the core side), and
#     with 100 and 1,000 active calls (phone -> linelock -> SIPp PBX, held
#     B_REG_HOLD_MS); bytes per active call from the difference;
#   - the REGISTER rate at zero failures, in steps of B_REG_STEP_S seconds.
set -uo pipefail
cd "$(dirname "$0")/.."
B_TOP=$PWD
. bench/lib.sh
trap b_cleanup EXIT
trap 'exit 130' INT TERM
B_REG_RATES=${B_REG_RATES:-"1000 2000 4000 8000"}
B_REG_STEP_S=${B_REG_STEP_S:-2}
B_HOLD_MS=${B_REG_HOLD_MS:-10000}

b_callers
b_scenario uac >/dev/null
b_scenario reg_uac >/dev/null

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# Registers phones: N at RATE (the first N callers); prints the step line.
register() {
	b_step "$2" "$1" "$B_WORK/reg_uac.xml" "$B_WORK/callers.csv" \
		"$B_WORK/reg-$1-$2"
}

# Holds N calls up at once (RATE cps), samples RSS while all are up,
# then waits for them to end; prints "rss_kib ok".
active_calls() {
	local n=$1 rate=$2 dir=$B_WORK/active-$1 port pid rss
	port=$(b_port) || return 1
	mkdir -p "$dir"
	(cd "$dir" && exec sipp -nostdin -sf "$B_WORK/uac.xml" \
		-inf "$B_WORK/callers.csv" -i 127.0.0.1 -p "$port" \
		"127.0.0.1:$B_SUT_PORT" -r "$rate" -m "$n" -buff_size "$B_BUF" \
		-trace_stat -stf stat.csv -timeout \
		$((n / rate + B_HOLD_MS / 1000 + 10))s >sipp.out 2>&1) &
	pid=$!
	B_PIDS+=("$pid")
	# All calls are up n/rate seconds after the start, and stay up
	# B_HOLD_MS; sample in the middle of the hold.
	sleep $((n / rate + B_HOLD_MS / 2000))
	rss=$(rss_kib "$B_SUT_PID")
	wait "$pid"
	echo "$rss $(tail -n 1 "$dir/stat.csv" | cut -d';' -f16)"
}

echo "## Registrations and memory (linelock)"
echo
if [[ " ${B_SYSTEMS_OK-linelock} " != *" linelock "* ]]; then
	echo "Not run: no calls go through linelock in this build."
	echo
	exit 0
fi
# The registrar first; the same core port then answers calls.
b_uas_start reg_uas || exit 1
b_ll_start || exit 1
core=$B_PBX_PORT
idle=$(rss_kib "$B_SUT_PID")
# B_REG_MEM="PHONES CALLS" (say "1000 100", DESIGN's memory target): just
# that state's VmRSS and VmHWM, then stop.
if [ -n "${B_REG_MEM:-}" ]; then
	set -- $B_REG_MEM
	r=$(register "$1" 1000)
	m=$(rss_kib "$B_SUT_PID")
	# The REGISTER transactions linger 32 s (RFC 3261 Timer J, K);
	# B_REG_SETTLE_S later only the bindings remain, as in service.
	sleep "${B_REG_SETTLE_S:-0}"
	s=$(rss_kib "$B_SUT_PID")
	b_stop "$B_UAS_PID"
	b_uas_start uas "$core" || exit 1
	a=$(active_calls "$2" 100)
	echo "| state | VmRSS KiB | VmHWM KiB | ok |"
	echo "|---|---|---|---|"
	echo "| idle | $idle | | |"
	echo "| $1 phones | $m | | $(cut -f3 <<<"$r") of $1 |"
	echo "| $1 phones, ${B_REG_SETTLE_S:-0} s later | $s | | |"
	echo "| $1 phones, $2 active calls | ${a% *} |" \
		"$(hwm_kib "$B_SUT_PID") | ${a#* } of $2 |"
	echo
	echo "After the calls: $(grep -E '^Rss(Anon|File)' \
		"/proc/$B_SUT_PID/status" | tr -s ' \t\n' ' ')," \
		"of which [heap] $(awk '/\[heap\]/ { h = 1; next }
			h && /^Rss:/ { print $2; exit }' \
			"/proc/$B_SUT_PID/smaps") kB"
	exit 0
fi
r1=$(register 1000 1000)
m1=$(rss_kib "$B_SUT_PID")
r10=$(register 10000 2000)
m10=$(rss_kib "$B_SUT_PID")
echo "| state | linelockd VmRSS KiB | REGISTER ok |"
echo "|---|---|---|"
echo "| idle, after start | $idle | |"
echo "| 1,000 phones registered | $m1 | $(cut -f3 <<<"$r1") of 1000 |"
echo "| 10,000 phones registered | $m10 | $(cut -f3 <<<"$r10") of 10000 |"
b_stop "$B_UAS_PID"
b_uas_start uas "$core" || exit 1
base=$(rss_kib "$B_SUT_PID")
a100=$(active_calls 100 100)
a1000=$(active_calls 1000 500)
echo "| 10,000 phones, 100 active calls | ${a100% *} | calls ok ${a100#* } |"
echo "| 10,000 phones, 1,000 active calls | ${a1000% *} |" \
	"calls ok ${a1000#* } |"
echo "| peak (VmHWM) | $(hwm_kib "$B_SUT_PID") | |"
echo
if [ "${a1000#* }" -gt 0 ] 2>/dev/null; then
	echo "Per active call: ($(( ${a1000% *} - base )) KiB over the" \
		"$base KiB before the calls) / 1000 calls =" \
		"$(( (${a1000% *} - base) * 1024 / 1000 )) bytes (RSS growth," \
		"allocator slack included)."
	echo
fi
b_stop "$B_UAS_PID"
b_uas_start reg_uas "$core" || exit 1
echo "REGISTER rate (steps of ${B_REG_STEP_S} s, phone -> linelock -> SIPp"
echo "registrar):"
echo
echo "| REGISTER/s | sent | ok | failed | retrans | mean ms to 200 |"
echo "|---|---|---|---|---|---|"
for rate in $B_REG_RATES; do
	line=$(register $((rate * B_REG_STEP_S)) "$rate")
	set -- $line
	echo "| $1 | $2 | $3 | $4 | $5 | ${15} |"
	[ "$4" = 0 ] && [ "$3" = "$2" ] || break
done
echo
