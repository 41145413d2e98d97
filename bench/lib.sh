# Shared helpers of the linelock benchmark (sourced by bench/run.sh and
# bench/overload.sh). Everything listens on 127.0.0.1; every process started
# here is recorded and stopped by PID; every load is bounded in count and
# time (SIPp -m and -timeout).
#
# Systems under test (SUT), each started fresh for a ramp:
#   sipp        none: the SIPp phone calls the SIPp PBX directly (the
#               generator's own ceiling on this machine)
#   kam-qm      Kamailio, tm + record-route + htable lock lookup, default
#               allocator (q_malloc)
#   kam-tlsf    the same with -x tlsf -X tlsf
#   linelock    linelockd (B2BUA) from $BUILD
#
# Environment: BUILD (linelock build dir, default build/bench), B_OUT
# (results directory), B_HOLD_MS (call hold), KAM_CHILDREN, KAM_SHM_MB,
# B_WRAP (a command prefix for the SUT, e.g. valgrind; split on spaces).

B_TOP=${B_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-build/bench}
B_OUT=${B_OUT:-$B_TOP/bench/out}
B_HOLD_MS=${B_HOLD_MS:-500}
KAM_CHILDREN=${KAM_CHILDREN:-4}
KAM_SHM_MB=${KAM_SHM_MB:-1024}
KAM_PKG_MB=${KAM_PKG_MB:-16}
B_BUF=1048576			# SIPp socket buffers (rmem_max allows 4 MiB)
B_PIDS=()
B_WORK=${B_WORK:-$(mktemp -d /tmp/ll-bench.XXXXXX)}
mkdir -p "$B_WORK"
B_SUT_PID=""
B_SUT_PORT=""
B_PBX_PORT=""
B_UAS_PID=""
B_TICK=$(getconf CLK_TCK)

b_log() { echo "[bench] $*" >&2; }

# Stops every recorded process (TERM, then KILL after 5 s), by PID.
b_stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

b_stop_all() {
	local pid
	for pid in "${B_PIDS[@]}"; do
		b_stop_pid "$pid"
	done
	B_PIDS=()
}

b_cleanup() {
	local rc=$?
	b_stop_all
	[ -n "${B_KEEP_WORK:-}" ] || rm -rf "$B_WORK"
	exit "$rc"
}

# Starts a background process with its output in $B_WORK/NAME.log and
# records its PID in B_PIDS and in the variable named by the first argument.
b_spawn() {
	local var=$1 name=$2
	shift 2
	"$@" >"$B_WORK/$name.log" 2>&1 &
	B_PIDS+=("$!")
	printf -v "$var" '%s' "$!"
}

# Stops one recorded process and forgets it.
b_stop() {
	local pid=$1 keep=() p
	[ -n "$pid" ] || return 0
	b_stop_pid "$pid"
	for p in "${B_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	B_PIDS=("${keep[@]}")
}

# Prints a UDP port nobody listens on. Ports advance (the counter lives in
# a file, as callers run in subshells) so that a new SIPp never inherits
# late retransmissions meant for the previous one.
b_port() {
	local f=$B_WORK/next_port p
	[ -s "$f" ] || echo $((30000 + (RANDOM % 1000) * 20)) >"$f"
	for _ in $(seq 500); do
		p=$(cat "$f")
		echo $((p < 59999 ? p + 1 : 30000)) >"$f"
		ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	b_log "no free UDP port"
	return 1
}

# Waits (at most $2 s) until something listens on UDP port $1.
b_wait_udp() {
	local port=$1 end=$((SECONDS + ${2:-20}))
	while [ $SECONDS -lt $end ]; do
		ss -Hlun "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	b_log "nothing listens on udp port $port"
	return 1
}

# PID and all its descendants (Kamailio forks its workers).
b_tree() {
	local root=$1
	ps -e -o pid=,ppid= | awk -v r="$root" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			keep[r] = 1; changed = 1
			while (changed) {
				changed = 0
				for (i in pids) {
					p = pids[i]
					if (!(p in keep) && (parent[p] in keep)) {
						keep[p] = 1; changed = 1
					}
				}
			}
			for (p in keep) print p
		}'
}

# CPU time (utime + stime, clock ticks) of a process tree; with "sys" as
# second argument only the kernel's part (stime).
b_cpu_ticks() {
	local total=0 p f only=${2:-}
	for p in $(b_tree "$1"); do
		# Fields after the ")" of comm: utime and stime are 12th and 13th.
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		if [ "$only" = sys ]; then
			total=$((total + ${13}))
		else
			total=$((total + ${12} + ${13}))
		fi
	done
	echo "$total"
}

# Peak resident set (VmHWM, KiB) summed over a process tree, and the
# proportional set (Pss, KiB) now: shared memory is counted once in Pss.
b_mem_kib() {
	local hwm=0 pss=0 p v
	for p in $(b_tree "$1"); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		hwm=$((hwm + ${v:-0}))
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" \
			2>/dev/null)
		pss=$((pss + ${v:-0}))
	done
	echo "$hwm $pss"
}

# Busy jiffies of the whole machine (all CPUs), from /proc/stat.
b_machine_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# Fills a SIPp scenario template (the hold time) into $B_WORK.
b_scenario() {
	local name=$1
	sed "s/@HOLD_MS@/$B_HOLD_MS/g" "$B_TOP/bench/sipp/$name.xml" \
		>"$B_WORK/$name.xml"
	echo "$B_WORK/$name.xml"
}

# Writes the callers file: "caller;callee;" per line, SEQUENTIAL.
# Callers 20000..29999 are never locked; the mixed file interleaves
# locked-reject (30000...) and locked-redirect (40000...) callers: of every
# ten calls one is rejected, one redirected, eight forwarded.
b_callers() {
	awk 'BEGIN {
		print "SEQUENTIAL"
		for (i = 0; i < 10000; i++)
			printf "%d;%d;\n", 20000 + i, 5000 + i % 1000
	}' >"$B_WORK/callers.csv"
	awk 'BEGIN {
		print "SEQUENTIAL"
		for (i = 0; i < 10000; i++) {
			if (i % 10 == 3) c = 30000 + i
			else if (i % 10 == 7) c = 40000 + i
			else c = 20000 + i
			printf "%d;%d;\n", c, 5000 + i % 1000
		}
	}' >"$B_WORK/mixed.csv"
}

# The lock records of the mixed load as "caller code" lines.
b_lock_records() {
	awk 'BEGIN {
		for (i = 0; i < 10000; i++) {
			if (i % 10 == 3) print 30000 + i, 403
			else if (i % 10 == 7) print 40000 + i, 302
		}
	}'
}

B_REDIRECT_URI="sip:voicemail@127.0.0.1"

# Starts the SIPp PBX (scenario $1, default uas) on port $2 (default: a
# fresh one): sets B_PBX_PORT and B_UAS_PID.
b_uas_start() {
	local scen=${1:-uas}
	B_PBX_PORT=${2:-$(b_port)} || return 1
	b_spawn B_UAS_PID "$scen-$B_PBX_PORT" sipp -nostdin \
		-sf "$B_TOP/bench/sipp/$scen.xml" -i 127.0.0.1 -p "$B_PBX_PORT" \
		-buff_size "$B_BUF" -trace_err \
		-error_file "$B_WORK/$scen-$B_PBX_PORT.err" -timeout 900s
	b_wait_udp "$B_PBX_PORT"
}

# Starts Kamailio (allocator qm or tlsf) in front of the PBX.
b_kam_start() {
	local alloc=$1 dir=$B_WORK/kam.$$ cfg
	mkdir -p "$dir/db" "$dir/run"
	B_SUT_PORT=$(b_port) || return 1
	{
		echo "id(int,auto) key_name(str) key_type(int) value_type(int)" \
			"key_value(str) expires(int)"
		b_lock_records | awk '{ printf "%d:%s:0:0:%s:0\n", NR, $1, $2 }'
	} >"$dir/db/locks"
	printf 'table_name(str) table_version(int)\nlocks:2\n' \
		>"$dir/db/version"
	cfg=$dir/kamailio.cfg
	sed -e "s|@PORT@|$B_SUT_PORT|g" -e "s|@PBX_PORT@|$B_PBX_PORT|g" \
		-e "s|@DB_DIR@|$dir/db|g" -e "s|@REDIRECT@|$B_REDIRECT_URI|g" \
		"$B_TOP/bench/kamailio/kamailio.cfg" >"$cfg"
	local args=(-f "$cfg" -DD -E -n "$KAM_CHILDREN" -m "$KAM_SHM_MB"
		-M "$KAM_PKG_MB" -Y "$dir/run" -P "$dir/run/kamailio.pid")
	[ "$alloc" = tlsf ] && args+=(-x tlsf -X tlsf)
	b_spawn B_SUT_PID "kamailio-$alloc" ${B_WRAP:-} kamailio "${args[@]}"
	b_wait_udp "$B_SUT_PORT" || return 1
	# The workers are forked after the socket is bound; wait for them.
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ] &&
		[ "$(b_tree "$B_SUT_PID" | wc -l)" -le "$KAM_CHILDREN" ]; do
		sleep 0.1
	done
}

# Starts linelockd in front of the PBX, with the mixed load's lock records
# written through linelockctl (or the bench seeder when there is one).
# Transactions linger 64*T1 = 32 s after their final response (RFC 3261
# 17.2.2 Timer J, RFC 6026 Timers L and M), about 3 per call: the default
# 20,000 refuses new calls (503) after some 6,000 calls in 32 s, whatever
# the rate. Sized for the ramp, as Kamailio gets -m 1024 MB of shm.
# Likewise calls: the default max_calls (5,000) admits 10,000 calls/s
# with the 500 ms hold, and above that answers 503 Too Many Calls, an
# admission limit the ramp would report as capacity (Kamailio has none).
B_LL_MAX_TXN=${B_LL_MAX_TXN:-200000}
B_LL_MAX_CALLS=${B_LL_MAX_CALLS:-100000}

b_ll_start() {
	local dir=$B_WORK/ll.$$ conf
	mkdir -p "$dir/db"
	B_SUT_PORT=$(b_port) || return 1
	conf=$dir/linelock.conf
	cat >"$conf" <<-EOF
	[sip]
	listen = udp:127.0.0.1:$B_SUT_PORT
	core = udp:127.0.0.1:$B_PBX_PORT
	trusted = 127.0.0.1/32
	max_transactions = $B_LL_MAX_TXN
	max_calls = $B_LL_MAX_CALLS
	[storage]
	dir = $dir/db
	[web]
	listen = off
	[log]
	level = warn
	EOF
	b_ll_seed "$dir/db" || return 1
	b_spawn B_SUT_PID linelockd ${B_WRAP:-} "$B_TOP/$BUILD/linelockd" \
		-c "$conf"
	b_wait_udp "$B_SUT_PORT"
}

# Writes the lock records into a linelock storage directory.
b_ll_seed() {
	local db=$1 ctl=$B_TOP/$BUILD/linelockctl
	[ -x "$ctl" ] || return 0
	"$ctl" -d "$db" set redirect_uri "$B_REDIRECT_URI" >/dev/null 2>&1 ||
		true
	if [ -x "$B_TOP/$BUILD/bench/ll_seed" ]; then
		b_lock_records | "$B_TOP/$BUILD/bench/ll_seed" "$db" \
			"$B_REDIRECT_URI"
		return
	fi
	# Without the seeder: reject-locked lines by the CLI (one process per
	# line is slow, so only the callers the mixed load uses).
	local ext code
	while read -r ext code; do
		[ "$code" = 403 ] || continue
		"$ctl" -d "$db" lock "$ext" >/dev/null || return 1
	done < <(b_lock_records | head -n "${B_SEED_MAX:-400}")
}

# Starts the system under test $1 in front of a fresh PBX; for "sipp" the
# SUT is the PBX itself.
b_sut_start() {
	b_uas_start || return 1
	case $1 in
	sipp) B_SUT_PORT=$B_PBX_PORT; B_SUT_PID="" ;;
	kam-qm) b_kam_start qm ;;
	kam-tlsf) b_kam_start tlsf ;;
	linelock) b_ll_start ;;
	*) b_log "unknown system $1"; return 1 ;;
	esac
}

b_sut_stop() {
	b_stop "$B_SUT_PID"
	b_stop "$B_UAS_PID"
	B_SUT_PID="" B_UAS_PID=""
}

# One load step: N calls at RATE from a fresh SIPp phone to the SUT. A
# call fails when a response is 4 s late (retransmissions, RFC 3261 T1 =
# 500 ms doubling, recover a lost datagram well within that).
# Scenario $3 (uac or uac_mixed) with callers file $4.
# Prints one tab-separated line:
#   rate calls ok failed retrans elapsed_s sut_ticks busy_ticks
#   p50_180 p99_180 p50_200 p99_200 (ms; "-" when none) ...
# (bench/report.py STEP_FIELDS: the last is sut_sys_ticks) and keeps SIPp's files in $5 (a directory).
b_step() {
	local rate=$1 calls=$2 scen=$3 inf=$4 keep=$5 port limit
	local t0 t1 b0 b1 s0 s1 k0 k1 stat line
	port=$(b_port) || return 1
	limit=$((calls / rate + B_HOLD_MS / 1000 + 6))
	mkdir -p "$keep"
	t0=$(date +%s.%N)
	b0=$(b_machine_busy)
	s0=0; [ -n "$B_SUT_PID" ] && s0=$(b_cpu_ticks "$B_SUT_PID")
	k0=0; [ -n "$B_SUT_PID" ] && k0=$(b_cpu_ticks "$B_SUT_PID" sys)
	(cd "$keep" && sipp -nostdin -sf "$scen" -inf "$inf" -i 127.0.0.1 \
		-p "$port" "127.0.0.1:$B_SUT_PORT" -r "$rate" -m "$calls" \
		-buff_size "$B_BUF" \
		-trace_err -trace_stat -stf stat.csv -trace_rtt \
		-rtt_freq 200 -trace_counts -recv_timeout 4000 \
		-timeout "${limit}s" \
		>sipp.out 2>&1)
	t1=$(date +%s.%N)
	b1=$(b_machine_busy)
	s1=0; [ -n "$B_SUT_PID" ] && s1=$(b_cpu_ticks "$B_SUT_PID")
	k1=0; [ -n "$B_SUT_PID" ] && k1=$(b_cpu_ticks "$B_SUT_PID" sys)
	stat=$(tail -n 1 "$keep/stat.csv" 2>/dev/null)
	python3 "$B_TOP/bench/report.py" step "$rate" "$calls" "$keep" \
		"$t0" "$t1" $((s1 - s0)) $((b1 - b0)) $((k1 - k0)) <<<"$stat"
}
