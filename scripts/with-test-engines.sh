#!/usr/bin/env bash
# Runs a command (a test suite) against Docker engines of this run's own, started on empty data
# roots and removed at the end whatever happens, so no image, network, volume or container from an
# earlier run, or from the machine's own engine, can make a test pass or fail:
#   - the local engine:  DOCKER_HOST, BERTH_TEST_ENGINE (its folder);
#   - the remote suites' second engine, whose socket sshd's users reach through group berthdock:
#     BERTH_REMOTE_DOCKER_HOST, BERTH_REMOTE_ENGINE.
#
#   bash scripts/with-test-engines.sh vitest run
#
# Inside a command that already runs under this script (npm run test:all runs `npm test`), it
# only runs the command: one run, one pair of engines.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${BERTH_TEST_RUN_ENGINES:-}" ]]; then exec "$@"; fi
[[ $# -gt 0 ]] || { echo "usage: with-test-engines.sh COMMAND [ARGS...]" >&2; exit 2; }

log() { echo "with-test-engines: $*" >&2; }
started=$SECONDS
local_dir=""
remote_dir=""
child=""
cleanup() {
  local code=$?
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  [[ -z "$remote_dir" ]] || bash scripts/test-engine.sh down "$remote_dir" || true
  [[ -z "$local_dir" ]] || bash scripts/test-engine.sh down "$local_dir" || true
  log "exit $code after $((SECONDS - started)) s"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The folder is the last word of the `export …` line that `up` prints.
engine_dir() { sed -n 's/.*BERTH_TEST_ENGINE=//p'; }
local_dir="$(bash scripts/test-engine.sh up | engine_dir)"
remote_dir="$(bash scripts/test-engine.sh up --group berthdock | engine_dir)"
[[ -n "$local_dir" && -n "$remote_dir" ]] || { log "a test engine did not start"; exit 1; }
export DOCKER_HOST="unix://$local_dir/docker.sock" BERTH_TEST_ENGINE="$local_dir"
export BERTH_REMOTE_DOCKER_HOST="unix://$remote_dir/docker.sock" BERTH_REMOTE_ENGINE="$remote_dir"
export BERTH_TEST_RUN_ENGINES=1
log "tests run on a fresh engine: data root $local_dir/data (DOCKER_HOST=$DOCKER_HOST)"
log "the remote suites' engine: data root $remote_dir/data (BERTH_REMOTE_DOCKER_HOST=$BERTH_REMOTE_DOCKER_HOST)"

# In the background and waited for, so that an INT or TERM to this script reaches the trap at
# once (bash defers traps until a foreground child ends) and the trap can end the child.
"$@" &
child=$!
wait "$child"
