#!/usr/bin/env bash
# RFC 4475 torture replay against a fresh linelockd (see torture.py).
#   run-torture.sh [--mode strict|rfc] [more torture.py options]
# The messages live beside the repo: $LL_TOP/../shared/testdata/rfc4475
# (CI layout X/main and X/shared), or $LL_RFC4475_DIR.
. "$(dirname "$0")/../lib.sh"

dir=${LL_RFC4475_DIR:-$LL_TOP/../shared/testdata/rfc4475}
[ -f "$dir/manifest.tsv" ] || ll_fail "no RFC 4475 messages in $dir"
LL_SIP_PORT=$(ll_free_port udp)
conf=$(ll_write_conf)
ll_start_daemon "$conf"
python3 "$LL_CASE_DIR/torture.py" --port "$LL_SIP_PORT" --dir "$dir" \
	--pid "$LL_DAEMON_PID" "$@" >"$LL_WORK/torture.out" 2>&1 || {
	cat "$LL_WORK/torture.out" >&2
	ll_fail "torture replay"
}
grep -E ' FAIL |^[0-9]+ messages' "$LL_WORK/torture.out" >&2 || true
ll_stop_daemon
