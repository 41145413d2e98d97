#!/bin/sh
# Turns the package's menuconfig choices into the .config and autoconf.h
# that linelock's Makefile would get from Kconfig through kconfiglib,
# which an OpenWrt build host does not have.
#   kconfig.sh KCONFIG CONFIG_IN OUT_CONFIG OUT_HEADER [SYMBOL...]
# Every Kconfig symbol mirrored in CONFIG_IN as LINELOCK_<SYMBOL> is y when
# listed among the SYMBOLs (the ones menuconfig set), else n. A symbol not
# mirrored (yet) keeps its Kconfig default. Only plain bool options with
# literal y/n defaults are understood; anything else (depends on, select,
# other types) stops the build rather than guessing.
set -eu

[ $# -ge 4 ] || {
	echo "usage: $0 KCONFIG CONFIG_IN OUT_CONFIG OUT_HEADER [SYMBOL...]" >&2
	exit 2
}
kconfig=$1 config_in=$2 out_config=$3 out_header=$4
shift 4
enabled=" $* "

# "SYMBOL DEFAULT" per Kconfig option, in file order.
symbols=$(awk '
function flush() {
	if (sym != "")
		print sym, (def == "" ? "n" : def)
	sym = ""; def = ""; inhelp = 0
}
/^[ \t]*(#|$)/ { next }
inhelp && /^[ \t]/ && !/^[ \t]*(config|menu|endmenu|comment)[ \t]/ { next }
/^config[ \t]+[A-Z0-9_]+[ \t]*$/ { flush(); sym = $2; next }
/^(menu|mainmenu|comment)[ \t]+"/ || /^endmenu[ \t]*$/ { flush(); next }
sym != "" && /^[ \t]+bool([ \t]+"|[ \t]*$)/ { next }
sym != "" && /^[ \t]+default[ \t]+[yn][ \t]*$/ { def = $2; next }
sym != "" && /^[ \t]+help[ \t]*$/ { inhelp = 1; next }
{
	printf "kconfig.sh: %s:%d: \"%s\" is not understood\n", \
	    FILENAME, FNR, $0 > "/dev/stderr"
	bad = 1
}
END { flush(); exit bad }
' "$kconfig")

mirrored=$(sed -n 's/^[ \t]*config[ \t]\{1,\}LINELOCK_\([A-Z0-9_]*\).*/\1/p' \
	"$config_in")

mkdir -p "$(dirname "$out_config")" "$(dirname "$out_header")"
: >"$out_config.tmp"
: >"$out_header.tmp"
echo "$symbols" | while read -r sym def; do
	[ -n "$sym" ] || continue
	val=$def
	if echo "$mirrored" | grep -qx "$sym"; then
		case "$enabled" in
		*" $sym "*) val=y ;;
		*) val=n ;;
		esac
	fi
	if [ "$val" = y ]; then
		echo "CONFIG_$sym=y" >>"$out_config.tmp"
		echo "#define CONFIG_$sym 1" >>"$out_header.tmp"
	else
		echo "# CONFIG_$sym is not set" >>"$out_config.tmp"
	fi
done
# The header last: newer than .config, so make does not ask for kconfiglib.
mv "$out_config.tmp" "$out_config"
mv "$out_header.tmp" "$out_header"
