# Builds test SIP messages for the sip_* cases (sourced after lib.sh).
# sip_msg METHOD CALLID [EXTRA-HEADER-LINES] [RURI] -> the message on stdout
sip_msg() {
	local method=$1 callid=$2 extra=${3:-} ruri=${4:-sip:100@127.0.0.1}
	printf '%s %s SIP/2.0\r\n' "$method" "$ruri"
	printf 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s;rport\r\n' \
		"$callid"
	printf 'From: <sip:a@127.0.0.1>;tag=f%s\r\n' "$callid"
	printf 'To: <sip:100@127.0.0.1>\r\n'
	printf 'Call-ID: %s\r\n' "$callid"
	printf 'CSeq: 1 %s\r\n' "$method"
	printf 'Max-Forwards: 70\r\n'
	[ -n "$extra" ] && printf '%s\r\n' "$extra"
	printf 'Content-Length: 0\r\n\r\n'
}
SIPSEND="$LL_TOP/tests/integration/sip_common/sipsend.py"
