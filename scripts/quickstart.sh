#!/usr/bin/env bash
# From a fresh Debian machine (as root) to a running MCP server: provisions a Docker engine if
# there is none, installs and builds Berth, starts its daemon, builds the `everything` server's
# image offline from npm and starts it, then says how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision-docker.sh
echo "berth: installing dependencies and building…" >&2
# `npm install`, not `npm ci`: this npm omits optional platform packages from the lock file, which `npm ci` then refuses.
npm install --no-audit --no-fund --loglevel=error
npm run build --silent
ln -sf "$PWD/dist/berth.js" /usr/local/bin/berth

export BERTH_PROGRESS=1
if ! berth status --json | grep -q '"name": "everything"'; then
  berth add everything --catalog everything
fi
berth start everything
berth status
cat <<'TXT'

Berth is running. Try:
  berth tools everything                         # what the server offers
  berth call everything echo '{"message":"hi"}'  # call a tool
  berth logs everything --follow                 # its stderr, live
  berth catalog                                  # more servers: memory, filesystem, sequential-thinking
Any MCP client can use it with the command:  berth connect everything
TXT
