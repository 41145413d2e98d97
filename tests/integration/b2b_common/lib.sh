# Helpers the b2b_* cases share, sourced after ../lib.sh:
#   . "$(dirname "$0")/../lib.sh"; . "$LL_TOP/tests/integration/b2b_common/lib.sh"
# A case runs in $LL_WORK (SIPp writes its traces there). The phone is a
# SIPp UAC on 127.0.0.1, the core (PBX) a SIPp UAS on $LL_CORE_PORT.
B2B_COMMON=$LL_TOP/tests/integration/b2b_common
cd "$LL_WORK"

# b2b_conf: writes $LL_WORK/linelock.conf (echoes its path). B2B_LISTEN
# and B2B_CORE replace the [sip] listen and core lists; LL_TRUSTED,
# LL_EXTRA_SIP (more [sip] lines) and LL_EXTRA_CONF as in ll_write_conf.
b2b_conf() {
	local f=$LL_WORK/linelock.conf
	LL_SIP_PORT=${LL_SIP_PORT:-$(ll_free_port udp)}
	LL_CORE_PORT=${LL_CORE_PORT:-$(ll_free_port udp)}
	mkdir -p "$LL_WORK/db"
	{
		echo "[sip]"
		echo "listen = ${B2B_LISTEN:-udp:127.0.0.1:$LL_SIP_PORT, tcp:127.0.0.1:$LL_SIP_PORT}"
		echo "core = ${B2B_CORE:-udp:127.0.0.1:$LL_CORE_PORT}"
		echo "trusted = ${LL_TRUSTED:-127.0.0.2/32}"
		[ -n "${LL_EXTRA_SIP:-}" ] && printf '%s\n' "$LL_EXTRA_SIP"
		echo "[storage]"
		echo "dir = $LL_WORK/db"
		echo "[web]"
		echo "listen = off"
		echo "[log]"
		echo "level = ${LL_LOG_LEVEL:-debug}"
		[ -n "${LL_EXTRA_CONF:-}" ] && printf '%s\n' "$LL_EXTRA_CONF"
	} >"$f"
	echo "$f"
}

# b2b_free_port2: a port free for both UDP and TCP (linelock listens on
# both with the same number).
b2b_free_port2() {
	local p
	for _ in $(seq 50); do
		p=$(ll_free_port udp)
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
	ll_fail "no port free for both UDP and TCP"
}

# b2b_start: picks the ports (in this shell, not a subshell), writes the
# config and starts linelockd on it.
b2b_start() {
	LL_SIP_PORT=${LL_SIP_PORT:-$(b2b_free_port2)}
	LL_CORE_PORT=${LL_CORE_PORT:-$(ll_free_port udp)}
	b2b_conf >/dev/null
	ll_start_daemon "$LL_WORK/linelock.conf"
}

# b2b_spawn VAR NAME CMD...: like ll_spawn, but the PID goes into VAR in
# this shell, so LL_PIDS keeps it and `wait` can reap it.
b2b_spawn() {
	local var=$1 name=$2
	shift 2
	"$@" >"$LL_WORK/$name.log" 2>&1 &
	LL_PIDS+=("$!")
	printf -v "$var" %s "$!"
}

# b2b_pbx VAR NAME SCENARIO [sipp args]: the core side as a SIPp UAS on
# $LL_CORE_PORT (UDP unless args say otherwise), one call unless -m.
b2b_pbx() {
	local var=$1 name=$2 sf=$3 m=(-m 1)
	shift 3
	case " $* " in *" -m "*) m=() ;; esac
	b2b_spawn "$var" "$name" sipp -nostdin -trace_msg -trace_err \
		-message_file "$LL_WORK/$name.msg" \
		-error_file "$LL_WORK/$name.err" \
		-sf "$sf" -i "${B2B_CORE_IP:-127.0.0.1}" -p "$LL_CORE_PORT" \
		"${m[@]}" -timeout 30s -timeout_error "$@"
	ll_wait_port "${B2B_CORE_PROTO:-udp}" "$LL_CORE_PORT"
}

# b2b_phone NAME SCENARIO [sipp args]: a phone as SIPp UAC toward
# linelock, in the foreground; fails the case when SIPp fails.
b2b_phone() {
	local name=$1 sf=$2 rc=0 m=(-m 1)
	shift 2
	case " $* " in *" -m "*) m=() ;; esac
	sipp -nostdin -trace_msg -trace_err \
		-message_file "$LL_WORK/$name.msg" \
		-error_file "$LL_WORK/$name.err" \
		-sf "$sf" -i "${B2B_PHONE_IP:-127.0.0.1}" \
		${B2B_PHONE_PORT:+-p "$B2B_PHONE_PORT"} \
		"${m[@]}" -timeout 30s -timeout_error "$@" \
		"${B2B_SIP_HOST:-127.0.0.1}:$LL_SIP_PORT" \
		>"$LL_WORK/$name.log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || {
		tail -n 40 "$LL_WORK/$name.msg" "$LL_WORK/$name.err" \
			"$LL_WORK/linelockd.log" >&2 2>/dev/null || true
		ll_fail "phone $name: sipp exited $rc"
	}
}

# b2b_wait PID WHAT: waits for a background SIPp and fails on its failure.
b2b_wait() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" -eq 0 ] || {
		tail -n 40 "$LL_WORK/$2.msg" "$LL_WORK/$2.err" >&2 2>/dev/null
		ll_fail "$2: sipp exited $rc"
	}
}

# b2b_header FILE NAME: every distinct value of header NAME in a trace.
b2b_header() {
	grep -i "^$2:" "$1" | sed 's/^[^:]*: *//; s/\r$//' | sort -u
}

# b2b_assert_legs_apart: the phone's and the PBX's traces share no
# Call-ID, no tag and no Via branch (a B2BUA makes two dialogs).
b2b_assert_legs_apart() {
	local a=$LL_WORK/$1.msg b=$LL_WORK/$2.msg common
	common=$(comm -12 <(b2b_header "$a" Call-ID) \
		<(b2b_header "$b" Call-ID))
	[ -z "$common" ] || ll_fail "Call-ID on both legs: $common"
	common=$(comm -12 <(grep -oi 'tag=[^;> ]*' "$a" | sort -u) \
		<(grep -oi 'tag=[^;> ]*' "$b" | sort -u))
	[ -z "$common" ] || ll_fail "tag on both legs: $common"
	common=$(comm -12 <(grep -oi 'branch=[^;> ]*' "$a" | sort -u) \
		<(grep -oi 'branch=[^;> ]*' "$b" | sort -u))
	[ -z "$common" ] || ll_fail "Via branch on both legs: $common"
}

# b2b_count FILE REGEX: how many lines of a trace match.
b2b_count() { grep -cE "$2" "$LL_WORK/$1.msg" || true; }

# b2b_register EXT [sipp args]: registers phone EXT through linelock to
# a one-shot SIPp registrar on the core port.
b2b_register() {
	local ext=$1 pid
	shift
	b2b_pbx pid "reg$ext" "$B2B_COMMON/registrar.xml"
	b2b_phone "phone_reg$ext" "$B2B_COMMON/register.xml" -key ext "$ext" \
		"$@"
	b2b_wait "$pid" "reg$ext"
}

# b2b_one_call [phone sipp args]: the usual case: linelock started on a
# fresh config, phone 201 registered, the case's uas.xml as the core and
# uac.xml as the phone calling 300; both must succeed with legs apart.
b2b_one_call() {
	local pid
	b2b_start
	B2B_PHONE_PORT=${B2B_PHONE_PORT:-$(ll_free_port udp)}
	b2b_register 201
	b2b_pbx pid pbx "$LL_CASE_DIR/uas.xml" ${B2B_PBX_ARGS:-}
	b2b_phone phone "$LL_CASE_DIR/uac.xml" -s "${B2B_DIAL:-300}" \
		-key ext 201 "$@"
	b2b_wait "$pid" pbx
	b2b_assert_legs_apart phone pbx
}
