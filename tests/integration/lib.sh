# Shared helpers for integration cases. A case's `run` does:
#   . "$(dirname "$0")/../lib.sh"
#   ll_start_daemon "$LL_CASE_DIR/linelock.conf"   # or a generated one
#   ll_sipp -sf uac.xml -m 1 127.0.0.1:$LL_SIP_PORT ...
# Every process started here is recorded and stopped by PID on exit.
# Ports are waited for (never slept on), under a hard timeout.
# Environment: BUILD (build dir, relative to the top), LL_TOP, LL_OUT,
# LL_VALGRIND=1 runs linelockd under valgrind memcheck (errors fail).
set -euo pipefail

LL_TOP=${LL_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
LL_CASE_DIR=${LL_CASE_DIR:-$(cd "$(dirname "$0")" && pwd)}
LL_CASE=$(basename "$LL_CASE_DIR")
LL_OUT=${LL_OUT:-$LL_TOP/tests/out/manual}
LL_WORK=$(mktemp -d "/tmp/ll-$LL_CASE.XXXXXX")
LL_PIDS=()
LLD="$LL_TOP/$BUILD/linelockd"
LLCTL="$LL_TOP/$BUILD/linelockctl"

ll_log() { echo "[$LL_CASE] $*" >&2; }
ll_fail() { ll_log "FAIL: $*"; exit 1; }

ll_cleanup() {
	local rc=$? pid
	for pid in "${LL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${LL_PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	# valgrind -q prints no summaries: every error or leak record counts.
	if [ -n "${LL_VALGRIND_LOG:-}" ] && [ -f "$LL_VALGRIND_LOG" ] &&
		grep -qE -e 'ERROR SUMMARY: [1-9]|are definitely lost' \
			-e 'Invalid (read|write|free)|uninitialised' \
			-e 'Mismatched free|Syscall param' "$LL_VALGRIND_LOG"; then
		ll_log "valgrind found errors:"; cat "$LL_VALGRIND_LOG" >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ] && [ -d "$LL_WORK" ]; then
		ll_log "work dir kept: $LL_WORK"
	else
		rm -rf "$LL_WORK"
	fi
	exit "$rc"
}
trap ll_cleanup EXIT

# Picks a free port on loopback for the given protocol (udp or tcp),
# from a range unlikely to be used by anything else.
ll_free_port() {
	local proto=${1:-udp} p lo hi
	# Below the kernel's ephemeral range: a port picked inside it can be
	# taken by any client socket (curl, sipp) before the daemon binds it
	# (crash_locks saw "address already in use" that way).
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null ||
		lo=32768
	[ "$lo" -gt 11000 ] 2>/dev/null || lo=32768
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % (lo - 10000)))
		# Any state, both protocols: the daemon binds UDP and TCP alike.
		ss -Hantu "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
	ll_fail "no free port"
}

# Waits until something listens on proto port (udp/tcp), or fails.
ll_wait_port() {
	local proto=$1 port=$2 timeout=${3:-20} flag
	[ "$proto" = udp ] && flag=-Hlun || flag=-Hltn
	local end=$((SECONDS + timeout))
	while [ $SECONDS -lt $end ]; do
		ss $flag "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	ll_fail "nothing listens on $proto port $port after ${timeout}s"
}

# Starts a background process, records its PID; output to $LL_WORK/NAME.log
ll_spawn() {
	local name=$1; shift
	"$@" >"$LL_WORK/$name.log" 2>&1 &
	LL_PIDS+=("$!")
	echo "$!"
}

# Writes a config for linelockd into $LL_WORK/linelock.conf from the
# environment: LL_SIP_PORT, LL_CORE_PORT, LL_WEB_PORT (0 = web off).
ll_write_conf() {
	local f=$LL_WORK/linelock.conf
	LL_SIP_PORT=${LL_SIP_PORT:-$(ll_free_port udp)}
	LL_CORE_PORT=${LL_CORE_PORT:-$(ll_free_port udp)}
	LL_WEB_PORT=${LL_WEB_PORT:-0}
	mkdir -p "$LL_WORK/db"
	{
		echo "[sip]"
		echo "listen = udp:127.0.0.1:$LL_SIP_PORT, tcp:127.0.0.1:$LL_SIP_PORT"
		echo "core = udp:127.0.0.1:$LL_CORE_PORT"
		echo "trusted = ${LL_TRUSTED:-127.0.0.2/32}"
		echo "[storage]"
		echo "dir = $LL_WORK/db"
		echo "[web]"
		if [ "$LL_WEB_PORT" != 0 ]; then
			echo "listen = 127.0.0.1:$LL_WEB_PORT"
		else
			echo "listen = off"
		fi
		echo "[log]"
		echo "level = ${LL_LOG_LEVEL:-debug}"
		[ -n "${LL_EXTRA_CONF:-}" ] && printf '%s\n' "$LL_EXTRA_CONF"
	} >"$f"
	echo "$f"
}

# Starts linelockd on a config and waits for its SIP port (UDP).
# Sets LL_DAEMON_PID.
ll_start_daemon() {
	local conf=$1 port
	port=$(sed -n 's/^listen *= *udp:[^,]*:\([0-9]*\).*/\1/p' "$conf" | head -n1)
	if [ "${LL_VALGRIND:-}" = 1 ]; then
		LL_VALGRIND_LOG=$LL_WORK/valgrind.log
		# Not $(ll_spawn): a subshell would lose LL_PIDS and `wait`.
		ll_spawn linelockd valgrind -q \
			--log-file="$LL_VALGRIND_LOG" --leak-check=full \
			"$LLD" -c "$conf" >/dev/null
		LL_DAEMON_PID=$!
		ll_wait_port udp "$port" 60
	else
		ll_spawn linelockd "$LLD" -c "$conf" >/dev/null
		LL_DAEMON_PID=$!
		ll_wait_port udp "$port" 20
	fi
}

# Stops linelockd gracefully (SIGTERM) and checks it exited 0.
ll_stop_daemon() {
	local pid=${1:-$LL_DAEMON_PID} rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || ll_fail "linelockd exited $rc on SIGTERM"
}

# Runs sipp in the foreground with trace files in $LL_WORK; extra args pass.
# Always bounded: -timeout 30s unless the caller gives one.
ll_sipp() {
	local to=(-timeout 30s -timeout_error)
	case " $* " in *" -timeout "*) to=() ;; esac
	(cd "$LL_WORK" && sipp -nostdin -trace_err -trace_stat \
		-i 127.0.0.1 "${to[@]}" "$@") >>"$LL_WORK/sipp.log" 2>&1
}

# Daemon log, for asserting what it said.
ll_daemon_log() { cat "$LL_WORK/linelockd.log"; }
