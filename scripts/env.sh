# shellcheck shell=bash
# Sourced by the Makefile, .ci/run and bin/akvorado: puts the project's Node.js
# (installed by scripts/setup-node.sh when the system's is older than 22.12)
# first on PATH, and points node-gyp at its headers for native addons.
_akv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -x "$_akv_root/.cache/node/bin/node" ]; then
  export PATH="$_akv_root/.cache/node/bin:$PATH"
  export npm_config_nodedir="$_akv_root/.cache/node"
fi
unset _akv_root
