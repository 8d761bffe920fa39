#!/usr/bin/env bash
# Installs code-server 4.100.3 (= VS Code 1.100.3, the last line whose engine is Node 20) for the
# end-to-end tests, offline apart from the npm registry, into a cache folder outside the repo:
#   ${CODE_SERVER_DIR:-${TEXT_ANALYTICS_CACHE:-$HOME/.cache/local-text-analytics}/code-server-4.100.3}
# Prints that folder's path on its last line. Idempotent: when an install is already there and
# starts, it returns at once.
#
# Needs (system packages, see .ci/run): node 20 with its headers (<prefix>/include/node), a C/C++
# toolchain, libkrb5-dev (the `kerberos` module compiles), ripgrep (/usr/bin/rg replaces the binary
# @vscode/ripgrep would download from GitHub), and chromium for the tests themselves.
#
# code-server's own postinstall downloads things from outside the registry, so it is installed from
# its npm tarball with scripts off and the native modules rebuilt one by one.
set -euo pipefail

VERSION=4.100.3
CACHE_ROOT="${TEXT_ANALYTICS_CACHE:-$HOME/.cache/local-text-analytics}"
DEST="${CODE_SERVER_DIR:-$CACHE_ROOT/code-server-$VERSION}"
MARKER="$DEST/.installed"

log() { printf '[setup-code-server] %s\n' "$*" >&2; }

# Does the server in $1 start and report $VERSION? code-server writes a default config file and
# logs on every start, so it runs with throwaway XDG folders, never touching the user's.
reports_version() {
  local scratch out status=0
  scratch="$(mktemp -d)"
  out="$(XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" \
    timeout 60 node "$1/package/out/node/entry.js" --version 2>&1)" || status=$?
  rm -rf "$scratch"
  [[ $status -eq 0 ]] && grep -q "^$VERSION " <<<"$out"
}

# Quick check of an existing install: the marker written at the end of a complete install, and the
# server starting.
installed_and_working() {
  [[ -f "$MARKER" ]] && reports_version "$DEST"
}

if installed_and_working; then
  log "code-server $VERSION already installed"
  echo "$DEST"
  exit 0
fi

for tool in node npm tar; do
  command -v "$tool" >/dev/null || { log "missing '$tool'"; exit 1; }
done
if [[ ! -x /usr/bin/rg ]]; then
  log "missing /usr/bin/rg: install ripgrep (apt-get install -y ripgrep)"
  exit 1
fi

NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
if [[ ! -f "$NODE_GYP" ]]; then
  log "missing node-gyp at $NODE_GYP (it ships with npm)"
  exit 1
fi
# Build native modules against the installed Node's headers rather than downloading them.
NODE_DIR="$(dirname "$(dirname "$(command -v node)")")"
if [[ ! -d "$NODE_DIR/include/node" ]]; then
  log "missing Node headers in $NODE_DIR/include/node"
  exit 1
fi
export npm_config_nodedir="$NODE_DIR"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# Build in a sibling folder and move it into place only when complete, so an interrupted run never
# leaves something that looks installed.
mkdir -p "$(dirname "$DEST")"
WORK="$(mktemp -d "$DEST.partial.XXXXXX")"
# npm's and node-gyp's chatter goes to a log, shown only when a step fails.
LOG="$(mktemp "${TMPDIR:-/tmp}/setup-code-server.XXXXXX.log")"
on_exit() {
  local status=$?
  if [[ $status -ne 0 ]]; then
    log "failed (exit $status); last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
  else
    rm -f "$LOG"
  fi
  rm -rf "$WORK"
}
trap on_exit EXIT
started=$SECONDS

log "installing code-server $VERSION into $DEST (a few minutes)"
cd "$WORK"
npm pack --silent "code-server@$VERSION" >>"$LOG" 2>&1
tar xzf "code-server-$VERSION.tgz"
rm "code-server-$VERSION.tgz"

cd "$WORK/package"
log "code-server dependencies"
npm install --omit=dev --ignore-scripts --no-save --loglevel=error >>"$LOG" 2>&1
log "argon2 (code-server does not start without it)"
npm rebuild argon2 --build-from-source --loglevel=error >>"$LOG" 2>&1

cd "$WORK/package/lib/vscode"
log "VS Code server dependencies"
npm install --omit=dev --ignore-scripts --no-save --loglevel=error >>"$LOG" 2>&1
log "native modules: kerberos @vscode/spdlog native-watchdog @vscode/deviceid"
npm rebuild kerberos @vscode/spdlog native-watchdog @vscode/deviceid --loglevel=error >>"$LOG" 2>&1
log "native module: node-pty"
# `npm rebuild node-pty` runs `npx node-gyp configure`, which fails without a terminal.
(cd node_modules/node-pty && node "$NODE_GYP" rebuild --nodedir="$NODE_DIR" --loglevel=error >>"$LOG" 2>&1)
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sfn /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
ln -sfn code-linux.sh bin/remote-cli/code-server
ln -sfn browser-linux.sh bin/helpers/browser.sh
log "built-in extensions' dependencies"
(cd extensions && npm install --omit=dev --no-save --loglevel=error >>"$LOG" 2>&1)

cd "$WORK"
reports_version "$WORK" || { log "the installed server does not start or report $VERSION"; exit 1; }
echo "$VERSION" > "$WORK/.installed"

cd /
rm -rf "$DEST"
mv "$WORK" "$DEST"
log "done in $((SECONDS - started)) s"
echo "$DEST"
