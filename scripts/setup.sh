#!/usr/bin/env bash
# Prepares a checkout: Node.js (scripts/setup-node.sh), the Debian packages
# the tests use, the native addons and the npm packages.
#
# `setup.sh --demo` (make demo) prepares only what `akvorado standalone
# --demo` needs: Node.js and the npm packages without their install scripts.
# The one that matters is node-rdkafka's, which compiles librdkafka (several
# minutes) for the Kafka inlet alone. A later full setup runs the skipped
# scripts (npm rebuild) instead of installing again.
#
# Idempotent and fast when nothing changed: a stamp records the lock file and
# Node version that node_modules was installed with, and whether its install
# scripts ran.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
demo=false
[ "${1:-}" = --demo ] && demo=true
bash scripts/setup-node.sh
$demo || bash scripts/setup-debian.sh
# shellcheck source=scripts/env.sh
. scripts/env.sh
if $demo; then
  # The recvmmsg receiver is optional: without a compiler the inlet uses node:dgram.
  bash scripts/build-native.sh || true
else
  bash scripts/build-native.sh
fi

stamp=node_modules/.akvorado-stamp
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$have" = "$want" ] || { $demo && [ "$have" = "$want without-scripts" ]; }; then
  exit 0
fi
if [ "$have" = "$want without-scripts" ]; then
  echo "setup: running the install scripts of the npm packages (node-rdkafka builds librdkafka)" >&2
  npm rebuild --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
  exit 0
fi
if $demo; then
  echo "setup: installing npm packages (without install scripts)" >&2
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$want without-scripts" > "$stamp"
else
  echo "setup: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
