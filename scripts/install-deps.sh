#!/bin/sh
# Installs the Debian packages linelock needs, only those missing.
#   scripts/install-deps.sh build   what `make` needs
#   scripts/install-deps.sh test    plus the real peers the tests drive
#   scripts/install-deps.sh all     plus browser, cross and bench tools
# Called by `make run` and `make test`; cheap when nothing is missing.
set -eu

BUILD_PKGS="build-essential pkg-config python3 python3-kconfiglib
libuv1-dev libosip2-dev liblmdb-dev libmbedtls-dev libcjson-dev
libinih-dev node-llhttp"
TEST_PKGS="libcmocka-dev clang libclang-rt-14-dev valgrind lmdb-utils
sip-tester kamailio libsofia-sip-ua-dev sipvicious curl iproute2
procps psmisc netcat-openbsd"
ALL_PKGS="chromium nodejs npm qemu-user gcc-aarch64-linux-gnu gnuplot-nox
wrk linux-perf"

case "${1:-build}" in
build) want=$BUILD_PKGS ;;
test) want="$BUILD_PKGS $TEST_PKGS" ;;
all) want="$BUILD_PKGS $TEST_PKGS $ALL_PKGS" ;;
*) echo "usage: $0 build|test|all" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	# dpkg-query prints "install ok installed" only for a complete install.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "linelock: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "linelock: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if stale.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' \
	-mmin -1440 2>/dev/null | head -n 1)" ]; then
	apt-get update -q
fi
# kamailio's package starts a service on install; tests start their own.
apt-get install -y -q --no-install-recommends $missing
# Debian starts kamailio on install; only our tests' instances may run.
if echo "$missing" | grep -q kamailio && command -v systemctl >/dev/null; then
	systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
