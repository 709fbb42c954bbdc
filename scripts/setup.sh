#!/usr/bin/env bash
# Prepares a checkout: Node.js (scripts/setup-node.sh) and the npm packages.
# Idempotent and fast when nothing changed (a stamp records the lock file and
# Node version that node_modules was installed with).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup-node.sh
bash scripts/setup-debian.sh
# shellcheck source=scripts/env.sh
. scripts/env.sh
bash scripts/build-native.sh

stamp=node_modules/.akvorado-stamp
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: installing npm packages" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
