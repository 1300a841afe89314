#!/usr/bin/env bash
# The Debian package as CPack builds it from this build tree: it holds the
# programs, the units (pointing at the packaged programs), the system users
# and the docs; it depends on the Debian libraries it links; its programs
# run from the extracted tree; its postinst is valid shell.
#
#   package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$build"
cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/tocsin_*_amd64.deb)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' CMakeCache.txt)
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
for path in bin/tocsin bin/tocsin-gateway bin/tocsin-client bin/tocsin-bridge-email \
            bin/tocsin-bridge-sms lib/systemd/system/tocsin-gateway.service \
            lib/systemd/system/tocsin-client@.service lib/systemd/system/tocsin-bridge-email.service \
            lib/systemd/system/tocsin-bridge-sms.service lib/sysusers.d/tocsin.conf \
            share/doc/tocsin/operations.md; do
  [ -e "$work/root$prefix/$path" ] || fail "no $prefix/$path in the package"
done
for unit in "$work/root$prefix"/lib/systemd/system/*.service; do
  grep -q "^ExecStart=$prefix/bin/tocsin" "$unit" || fail "$(basename "$unit"): ExecStart not under $prefix/bin"
done
for program in tocsin tocsin-gateway tocsin-client tocsin-bridge-email tocsin-bridge-sms; do
  "$work/root$prefix/bin/$program" --version | grep -q "^$program " || fail "$program --version"
done
depends=$(dpkg-deb -f "$deb" Depends)
for library in libsodium23 libzmq5 libssl3 libsqlite3-0 libsystemd0 systemd; do
  [[ "$depends" == *"$library"* ]] || fail "Depends lacks $library: $depends"
done
for script in postinst prerm; do
  sh -n "$work/control/$script" || fail "$script is not valid shell"
done
size=$(stat -c %s "$deb")
for program in tocsin tocsin-gateway; do  # CPACK_STRIP_FILES: debug sections stay in the build tree
  ! readelf -S "$work/root$prefix/bin/$program" | grep -q '\.debug_info' ||
    fail "$program is packaged with its debug sections"
done
[ $failures -eq 0 ] && echo "package: $(basename "$deb"), $size bytes, all checks passed" || exit 1
