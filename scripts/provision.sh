#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh Debian machine (as root): a Docker engine,
# and code-server with Chromium for the end-to-end suite. The remote suites start their own sshd
# and second engine (scripts/provision-remote.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-docker.sh
bash scripts/provision-e2e.sh
