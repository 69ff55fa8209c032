#!/usr/bin/env bash
# Every suite, as CI runs it (`npm run test:all`, the README's test line): type-check, lint, build,
# the unit and integration suites, then the packaged extension end to end, all on one pair of
# Docker engines started for this run on empty data roots and removed at the end
# (scripts/with-test-engines.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/with-test-engines.sh bash -c 'npm test && npm run test:e2e'
