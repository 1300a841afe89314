#!/usr/bin/env bash
# The systemd units as built (build/packaging/systemd), pointed at the build's
# binaries: 'systemd-analyze verify' must print nothing, 'systemd-analyze
# security --offline' must score each at most MAX_EXPOSURE, and every unit
# must carry the sandbox docs/operations.md promises.
#
#   systemd_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
MAX_EXPOSURE=2.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

required=(Type=notify NotifyAccess=main WatchdogSec= NoNewPrivileges=yes ProtectSystem=strict
          ProtectHome=yes PrivateTmp=yes "CapabilityBoundingSet=$" UMask=0077 LimitCORE=0
          LimitNOFILE= User= StateDirectory= ConfigurationDirectory=tocsin
          SystemCallFilter=@system-service MemoryDenyWriteExecute=yes)

for template in "$build"/packaging/systemd/*.service; do
  name=$(basename "$template")
  [ "$name" = "tocsin-client@.service" ] && name="tocsin-client@finance.service"
  sed "s#^\(Exec[A-Za-z]*=\)[^ ]*/\(tocsin[-a-z]*\)#\1$build/bin/\2#" "$template" > "$work/$name"
  for key in "${required[@]}"; do
    grep -q "^$key" "$work/$name" || fail "$name: no $key"
  done
  # The gateway and the bridges install their own seccomp filter (TSYNC):
  # the unit's filter must let the seccomp call through, or they cannot start.
  case "$name" in tocsin-client@*) ;; *)
    grep -q "^SystemCallFilter=@system-service seccomp$" "$work/$name" \
      || fail "$name: its SystemCallFilter does not allow seccomp(2)" ;;
  esac
  output=$(cd "$work" && systemd-analyze verify --man=no "./$name" 2>&1)
  status=$?
  if [ $status -ne 0 ] || [ -n "$output" ]; then
    fail "$name: systemd-analyze verify (exit $status): $output"
  fi
  score=$(cd "$work" && systemd-analyze security --offline=true --no-pager "./$name" 2>&1 |
          sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  if [ -z "$score" ]; then
    fail "$name: no exposure score from systemd-analyze security"
  elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
    fail "$name: exposure $score above $MAX_EXPOSURE"
  else
    echo "ok   $name: verified, exposure $score"
  fi
done
# A unit with a mistyped key must fail the check above (the test can fail).
sed 's/^UMask=/UMaks=/' "$work/tocsin-gateway.service" > "$work/typo.service"
[ -n "$(cd "$work" && systemd-analyze verify --man=no ./typo.service 2>&1)" ] ||
  fail "a mistyped key went unnoticed"
[ $failures -eq 0 ] && echo "systemd units: all checks passed" || exit 1
