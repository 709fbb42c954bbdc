#!/usr/bin/env bash
# Builds the native addons under native/ (native/udp, the recvmmsg UDP
# receiver; native/memory, malloc_trim for standalone) into
# native/<name>/build/Release/<name>.node with node-gyp.
# Idempotent: a stamp records the sources and the Node version of the last
# build. Each addon has a fallback (node:dgram; no trimming), so a failed
# build is reported but does not fail the setup; the tests then fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/env.sh
. scripts/env.sh

# node-gyp: the project's if installed, else the one bundled with npm.
gyp=()
if [ -x node_modules/.bin/node-gyp ]; then
  gyp=("$root/node_modules/.bin/node-gyp")
else
  npm_root=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  for candidate in "$npm_root/node_modules/node-gyp/bin/node-gyp.js" \
    "$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"; do
    if [ -f "$candidate" ]; then
      gyp=(node "$candidate")
      break
    fi
  done
fi
if [ ${#gyp[@]} -eq 0 ]; then
  echo "build-native: node-gyp not found, the inlet will use node:dgram and standalone will not trim memory" >&2
  exit 0
fi

status=0
for dir in native/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  [ -f "$dir/binding.gyp" ] || continue
  stamp="$dir/build/.akvorado-stamp"
  want="$(node --version) $(cat "$dir/binding.gyp" "$dir"/*.c | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ -f "$dir/build/Release/$name.node" ] && [ "$(cat "$stamp")" = "$want" ]; then
    continue
  fi
  echo "build-native: building $dir" >&2
  if (cd "$dir" && "${gyp[@]}" rebuild --loglevel=error >/dev/null); then
    echo "$want" > "$stamp"
  else
    echo "build-native: building $dir failed (see native/$name/README.md for what does without it)" >&2
    status=1
  fi
done
exit $status
