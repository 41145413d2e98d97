# Helpers the robust_*, crash_* and soak cases share, sourced after
# ../lib.sh. Not a case itself (no run file).

# robust_conf: writes $LL_WORK/linelock.conf like ll_write_conf, plus the
# [sip] lines in LL_EXTRA_SIP_LINES and the [storage] lines in
# LL_EXTRA_STORAGE_LINES. Echoes the path.
robust_conf() {
	local f
	f=$(ll_write_conf)
	if [ -n "${LL_EXTRA_SIP_LINES:-}" ]; then
		awk -v extra="$LL_EXTRA_SIP_LINES" \
			'{ print } /^\[sip\]$/ { print extra }' "$f" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	if [ -n "${LL_EXTRA_STORAGE_LINES:-}" ]; then
		awk -v extra="$LL_EXTRA_STORAGE_LINES" \
			'{ print } /^\[storage\]$/ { print extra }' "$f" >"$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# robust_start: picks ports in this shell, writes the config, starts
# linelockd and waits for its web port too when there is one.
robust_start() {
	LL_SIP_PORT=${LL_SIP_PORT:-$(ll_free_port udp)}
	LL_CORE_PORT=${LL_CORE_PORT:-$(ll_free_port udp)}
	LL_WEB_PORT=${LL_WEB_PORT:-0}
	robust_conf >/dev/null
	ll_start_daemon "$LL_WORK/linelock.conf"
	if [ "$LL_WEB_PORT" != 0 ] && ! robust_web_up; then
		# main.c may not start the web console (CONFIG_WEB off, or
		# not wired yet): the case goes on without the web port.
		ll_log "no web listener on $LL_WEB_PORT: web checks skipped"
		LL_WEB_PORT=0
	fi
}

# True once something listens on the web port (within 5 s).
robust_web_up() {
	local end=$((SECONDS + 5))
	while [ $SECONDS -lt "$end" ]; do
		ss -Hltn "sport = :$LL_WEB_PORT" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# Resident memory (KiB) and open descriptors of the daemon.
robust_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$LL_DAEMON_PID/status"
}
# The heap and other private memory (KiB), and the mapped file pages
# resident (LMDB's data file, bounded by its size).
robust_rss_anon() {
	awk '/^RssAnon:/ { print $2 }' "/proc/$LL_DAEMON_PID/status"
}
robust_rss_file() {
	awk '/^RssFile:/ { print $2 }' "/proc/$LL_DAEMON_PID/status"
}
robust_fds() {
	ls "/proc/$LL_DAEMON_PID/fd" | wc -l
}

# robust_wait_fds_below N SECONDS: true once the daemon has fewer than N
# descriptors open.
robust_wait_fds_below() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt "$end" ]; do
		[ "$(robust_fds)" -lt "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# robust_options: one OPTIONS to linelock over UDP; true on 200.
robust_options() {
	/usr/bin/python3 - "$LL_SIP_PORT" <<'PY'
import socket, sys, random
p = int(sys.argv[1])
b = "z9hG4bK%x" % random.getrandbits(48)
m = ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;"
     "branch=%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>"
     ";tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
     "Content-Length: 0\r\n\r\n" % (p, b, b)).encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(3):
    s.sendto(m, ("127.0.0.1", p))
    try:
        d = s.recv(65536)
        sys.exit(0 if d.startswith(b"SIP/2.0 200") else 1)
    except socket.timeout:
        pass
sys.exit(1)
PY
}

# robust_rss_bounded: false under ASan (make asan sets LL_SANITIZED=1),
# whose quarantine keeps freed memory (256 MiB by default) and makes RSS
# say nothing about linelock's own memory; the caller then skips its
# bound with a log line.
robust_rss_bounded() {
	[ "${LL_SANITIZED:-}" != 1 ] && return 0
	ll_log "RSS bounds not checked under ASan (quarantine holds freed memory)"
	return 1
}

# robust_cpu_limit PID PERCENT: runs process PID (and only it) in a
# fresh cpu cgroup with a quota of PERCENT % of one CPU, so that a case
# can overload linelockd with the load one machine can generate (SIPp
# drives ~3,000 calls/s on 2 cores; the unlimited daemon takes more).
# The cgroup is named after the case's work directory and removed at
# exit. cgroup v1 (a writable cpu controller, /sys/fs/cgroup/cpu) or v2
# (cpu.max, at /sys/fs/cgroup or the hybrid /sys/fs/cgroup/unified, the
# cpu controller enabled or enablable at its root). True when the limit
# is on; false, with ROBUST_CPU_WHY saying why, when neither is
# writable (a container, no root): the caller then runs unlimited and
# says so.
ROBUST_CPU_CG=
ROBUST_CPU_WHY=
robust_cpu_limit() {
	local pid=$1 pct=$2 name root period=20000 quota
	name=linelock-$(basename "$LL_WORK")
	# A short period spreads the quota (a 100 ms one lets the daemon
	# run 5 ms and then sleep 95 ms at 5 %); 1 ms is the kernel's least.
	quota=$((period * pct / 100))
	[ "$quota" -ge 1000 ] || quota=1000
	root=/sys/fs/cgroup/cpu
	if [ -w "$root/cgroup.procs" ] && [ -f "$root/cpu.cfs_quota_us" ] &&
		mkdir "$root/$name" 2>/dev/null; then
		if echo "$period" >"$root/$name/cpu.cfs_period_us" &&
			echo "$quota" >"$root/$name/cpu.cfs_quota_us" &&
			echo "$pid" >"$root/$name/cgroup.procs"; then
			robust__cpu_hold "$root" "$name"
			return 0
		fi
		rmdir "$root/$name" 2>/dev/null || true
	fi
	for root in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ -f "$root/cgroup.subtree_control" ] || continue
		grep -qw cpu "$root/cgroup.subtree_control" ||
			echo +cpu >"$root/cgroup.subtree_control" 2>/dev/null ||
			continue
		mkdir "$root/$name" 2>/dev/null || continue
		if echo "$quota $period" >"$root/$name/cpu.max" &&
			echo "$pid" >"$root/$name/cgroup.procs"; then
			robust__cpu_hold "$root" "$name"
			return 0
		fi
		rmdir "$root/$name" 2>/dev/null || true
	done
	ROBUST_CPU_WHY="no writable cgroup cpu controller (v1"
	ROBUST_CPU_WHY+=" /sys/fs/cgroup/cpu, v2 cpu.max under /sys/fs/cgroup"
	ROBUST_CPU_WHY+=" or /sys/fs/cgroup/unified)"
	return 1
}

# Remembers the cgroup and chains its removal in front of ll_cleanup:
# the process goes back to the root cgroup first (a cgroup with a
# process in it cannot be removed), then ll_cleanup stops it as usual.
# ll_cleanup reads the case's status from $? and exits: release returns
# that status, and under set -e a failing function may only stand left
# of && or || (else the trap would stop before ll_cleanup and leave the
# daemon running).
robust__cpu_hold() {
	ROBUST_CPU_CG=$1/$2
	trap 'robust__cpu_release $? && ll_cleanup || ll_cleanup' EXIT
}

robust__cpu_release() {
	local rc=$1 p
	if [ -n "$ROBUST_CPU_CG" ] && [ -d "$ROBUST_CPU_CG" ]; then
		for p in $(cat "$ROBUST_CPU_CG/cgroup.procs" 2>/dev/null); do
			echo "$p" >"$(dirname "$ROBUST_CPU_CG")/cgroup.procs" \
				2>/dev/null || true
		done
		rmdir "$ROBUST_CPU_CG" 2>/dev/null ||
			ll_log "cgroup $ROBUST_CPU_CG not removed"
	fi
	ROBUST_CPU_CG=
	return "$rc"
}
