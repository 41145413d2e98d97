# A stand-in for OpenWrt's `uci show PACKAGE` on one config file: enough
# of UCI's syntax for firmware/linelock/files/linelock.config and this
# case's fixtures (config/option/list, single or double quotes, comments,
# anonymous sections as @type[n]), printed the way uci prints it.
# awk -v pkg=linelock -f uci-show.awk FILE
function word(s) {
	sub(/^[ \t]+/, "", s)
	if (s ~ /^'/) { s = substr(s, 2); sub(/'.*/, "", s) }
	else if (s ~ /^"/) { s = substr(s, 2); sub(/".*/, "", s) }
	else sub(/[ \t].*/, "", s)
	return s
}
function q(v) { gsub(/'/, "'\\''", v); return "'" v "'" }
function flush(   i, k) {
	for (i = 1; i <= nk; i++) {
		k = keys[i]
		print pkg "." sec "." k "=" val[k]
	}
	nk = 0; delete val
}
/^[ \t]*(#|$)/ { next }
$1 == "config" {
	flush()
	type = $2; gsub(/['"]/, "", type)
	name = ($3 != "") ? word(substr($0, index($0, $3))) : ""
	if (name == "") sec = "@" type "[" n[type]++ "]"
	else { sec = name; n[type]++ }
	print pkg "." sec "=" type
	next
}
$1 == "option" || $1 == "list" {
	k = $2
	v = word(substr($0, index($0, $2) + length($2)))
	if (!(k in val)) keys[++nk] = k
	if ($1 == "list" && (k in val)) val[k] = val[k] " " q(v)
	else val[k] = q(v)
	next
}
{ print "uci-show.awk: " FILENAME ":" FNR ": not understood" > "/dev/stderr"; exit 1 }
END { flush() }
