#!/usr/bin/env bash
# Makes the end-to-end tier runnable before `npm run test:e2e` (and so `npm test`) starts it:
# Chromium must be there, and code-server is installed by scripts/setup-code-server.sh when it is
# not (a few minutes, once: it is kept in ~/.cache/local-text-analytics). When something only the
# system can provide is missing, it fails with one line naming the apt packages, instead of
# letting the tier be skipped.
#
# An install that is already there (as `.ci/run` makes before `npm test`) is found by the marker
# the setup writes last, the same check the test harness makes (test/e2e/vscode.ts), so that case
# costs nothing. CODE_SERVER_DIR, TEXT_ANALYTICS_CACHE and CHROMIUM_PATH move the locations.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=4.100.3
CACHE_ROOT="${TEXT_ANALYTICS_CACHE:-$HOME/.cache/local-text-analytics}"
DEST="${CODE_SERVER_DIR:-$CACHE_ROOT/code-server-$VERSION}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# The same list as .ci/run's APT_PACKAGES.
APT_LINE='apt-get install -y chromium ripgrep libkrb5-dev build-essential python3 strace iproute2 util-linux'

fail() {
  printf 'npm test: the end-to-end tests cannot run here: missing %s. Install them (as root) with: %s\n' "$1" "$APT_LINE" >&2
  exit 1
}

installed() {
  [[ -f "$DEST/.installed" && -f "$DEST/package/out/node/entry.js" ]]
}

missing=()
[[ -x "$CHROMIUM" ]] || missing+=("Chromium ($CHROMIUM)")

if ! installed; then
  # What compiling code-server's native modules takes (scripts/setup-code-server.sh).
  [[ -x /usr/bin/rg ]] || missing+=("ripgrep (/usr/bin/rg)")
  for tool in make g++; do
    command -v "$tool" >/dev/null || missing+=("$tool (build-essential)")
  done
  command -v python3 >/dev/null || missing+=("python3")
  [[ -f /usr/include/gssapi/gssapi.h ]] || missing+=("the Kerberos headers (libkrb5-dev)")
fi

if ((${#missing[@]})); then
  joined="$(printf '%s, ' "${missing[@]}")"
  fail "${joined%, }"
fi

if ! installed; then
  echo "[e2e] code-server $VERSION is not in $DEST: installing it (a few minutes, once)" >&2
  bash scripts/setup-code-server.sh </dev/null >/dev/null || {
    echo "npm test: installing code-server into $DEST failed (scripts/setup-code-server.sh, above)" >&2
    exit 1
  }
  installed || { echo "npm test: scripts/setup-code-server.sh finished, but $DEST holds no complete install" >&2; exit 1; }
fi
