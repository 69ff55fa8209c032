#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine (as root) and runs them all:
# type-check, unit tests, integration tests against a real Docker engine, and the end-to-end
# suite in a real VS Code (code-server) driven by Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision-docker.sh
# `npm install`, not `npm ci`: this npm omits optional platform packages from the lock file, which `npm ci` then refuses.
npm install --no-audit --no-fund --loglevel=error
npm test
bash scripts/provision-e2e.sh
npm run test:e2e
