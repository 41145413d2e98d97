#!/bin/sh
# Installs the Debian packages linelock needs, only those missing.
#   scripts/install-deps.sh build         what `make` needs
#   scripts/install-deps.sh test          plus the real peers the tests drive,
#                                         chromium and node for the console,
#                                         and the aarch64 cross build
#   scripts/install-deps.sh cross [ARCH]  cross toolchain, qemu-user and the
#                                         ARCH (default aarch64) -dev packages
#   scripts/install-deps.sh browser       chromium and node for tests/browser
#   scripts/install-deps.sh all           everything, plus bench tools
#   scripts/install-deps.sh triplet ARCH  prints ARCH's GNU triplet
# Called by `make run`, `make test` and `make cross`; cheap when nothing is
# missing. Never reads stdin (CI runs it with none).
set -eu

BUILD_PKGS="build-essential pkg-config python3 python3-kconfiglib
libuv1-dev libosip2-dev liblmdb-dev libmbedtls-dev libcjson-dev
libinih-dev node-llhttp"
TEST_PKGS="libcmocka-dev clang libclang-rt-14-dev valgrind lmdb-utils
sip-tester kamailio kamailio-tls-modules libsofia-sip-ua-dev sipvicious curl iproute2
procps psmisc netcat-openbsd busybox wrk"
BROWSER_PKGS="chromium nodejs npm"
ALL_PKGS="gnuplot-nox linux-perf"
# The target's own libraries, as Debian multiarch packages (name:debarch).
CROSS_LIBS="libuv1-dev libosip2-dev liblmdb-dev libmbedtls-dev libcjson-dev
libinih-dev"

# ARCH (GNU/OpenWrt name) -> "debian-arch gnu-triplet".
cross_arch() {
	case "$1" in
	aarch64) echo "arm64 aarch64-linux-gnu" ;;
	*) echo "linelock: cross ARCH must be aarch64, not '$1'" >&2
	   exit 2 ;;
	esac
}

# Packages a cross build for ARCH needs: Debian's cross gcc (its libc
# headers come as libc6-dev-DEBARCH-cross; the gcc package only recommends
# them), qemu-user for the tests, and the target's -dev packages.
cross_pkgs() {
	set -- $(cross_arch "$1")
	printf '%s ' "gcc-$2" "libc6-dev-$1-cross" qemu-user
	for p in $CROSS_LIBS; do printf '%s:%s ' "$p" "$1"; done
}

foreign=""
case "${1:-build}" in
build) want=$BUILD_PKGS ;;
test) want="$BUILD_PKGS $TEST_PKGS $(cross_pkgs aarch64) $BROWSER_PKGS"
	foreign=arm64 ;;
cross)
	arch=${2:-aarch64}
	want="$BUILD_PKGS $(cross_pkgs "$arch")"
	foreign=$(cross_arch "$arch" | cut -d' ' -f1) ;;
browser) want=$BROWSER_PKGS ;;
all)
	want="$BUILD_PKGS $TEST_PKGS $(cross_pkgs aarch64) $BROWSER_PKGS
	$ALL_PKGS"
	foreign=arm64 ;;
triplet) cross_arch "${2:-}" | cut -d' ' -f2; exit 0 ;;
*) echo "usage: $0 build|test|cross [ARCH]|browser|all|triplet ARCH" >&2
   exit 2 ;;
esac

# A package counts as present only when dpkg calls it "install ok
# installed" for the right architecture. nodejs and npm also count when the commands are there: a
# machine may carry another vendor's nodejs (npm bundled), which Debian's
# npm package would conflict with.
have() {
	case "$1" in
	nodejs) command -v node >/dev/null && return 0 ;;
	npm) command -v npm >/dev/null && return 0 ;;
	esac
	# Multiarch: an unqualified name means the native (or an "all")
	# package; libuv1-dev:arm64 beside it must not count for it.
	case "$1" in
	*:*) arch=${1#*:} ;;
	*) arch=$native ;;
	esac
	dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null |
		grep -Eqx "($arch|all) install ok installed"
}
native=$(dpkg --print-architecture)

missing=""
for p in $want; do
	have "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "linelock: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	[ -n "$foreign" ] &&
		echo "linelock: as root: dpkg --add-architecture $foreign;" \
		    "apt-get update" >&2
	echo "linelock: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt (a second helper, unattended-upgrades) may hold the lock.
apt="apt-get -q -o DPkg::Lock::Timeout=600"
refresh=""
# Multiarch: the cross libraries need their architecture known to dpkg.
if [ -n "$foreign" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$foreign"; then
	dpkg --add-architecture "$foreign"
	refresh=1
fi
if [ -n "$foreign" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 \
	-name "*binary-${foreign}_Packages*" 2>/dev/null | head -n 1)" ]; then
	refresh=1
fi
# A fresh machine has no package lists yet; refresh them once if stale.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' \
	-mmin -1440 2>/dev/null | head -n 1)" ]; then
	refresh=1
fi
[ -n "$refresh" ] && $apt update </dev/null
# kamailio's package starts a service on install; tests start their own.
$apt install -y --no-install-recommends $missing </dev/null
# Debian starts kamailio on install; only our tests' instances may run.
if echo "$missing" | grep -q kamailio && command -v systemctl >/dev/null; then
	systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
