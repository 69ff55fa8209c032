#!/usr/bin/env bash
# A Docker engine of the tests' own, on an empty data root, so no image, network, volume or
# container from an earlier run (or from the user's own engine) can make a test pass or fail.
#
#   eval "$(bash scripts/test-engine.sh up)"   # starts one; prints `export DOCKER_HOST=… BERTH_TEST_ENGINE=…`
#   bash scripts/test-engine.sh up --group G   # the same, its socket usable by group G (the remote suites' sshd users)
#   bash scripts/test-engine.sh start DIR      # starts DIR's engine again after it was stopped (its data kept)
#   bash scripts/test-engine.sh down DIR       # stops it and removes everything it made
#
# Each engine gets its own data root, exec root, pidfile and socket under a fresh folder, its own
# bridge with its own subnet, and its own pool for user-defined networks: two engines on one
# machine (two checkouts' test runs, the remote suites' second engine) never hand out the same
# addresses. Needs root and Debian's docker.io (scripts/provision-docker.sh installs it).
set -euo pipefail

log() { echo "test-engine: $*" >&2; }

# A slot N in 1..40 names the bridge (berthtN), its subnet (10.213.N.0/24) and its network pool
# (10.(100+N).0.0/16); a slot is free when no bridge of that name exists.
free_slot() {
  local n
  for n in $(seq 1 40); do
    if ! ip link show "bertht$n" >/dev/null 2>&1 && mkdir "/run/berth-test-engine-slot-$n" 2>/dev/null; then
      echo "$n"
      return 0
    fi
  done
  return 1
}

up() {
  local group=""
  if [[ "${1:-}" == --group ]]; then
    group="${2:?--group needs a group name}"
  elif [[ -n "${1:-}" ]]; then
    log "usage: test-engine.sh up [--group GROUP]"
    exit 2
  fi
  command -v dockerd >/dev/null || { log "no dockerd; run scripts/provision-docker.sh first"; exit 1; }
  local slot dir bridge
  slot="$(free_slot)" || { log "no free slot (40 test engines running?)"; exit 1; }
  # Short paths: a unix socket path must stay under 108 bytes, and containerd's shim sockets live under the exec root.
  dir="$(mktemp -d /tmp/berth-engine-XXXXXX)"
  bridge="bertht$slot"
  echo "$slot" >"$dir/slot"
  ip link add "$bridge" type bridge
  ip addr add "10.213.$slot.1/24" dev "$bridge"
  ip link set "$bridge" up
  mkdir -p "$dir/data" "/run/berth-te-$slot"
  # No daemon.json of the machine's: this engine's settings are all on its command line, kept in
  # DIR/args so that `start` brings the same engine back.
  echo '{}' >"$dir/daemon.json"
  {
    printf '%s\n' --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "/run/berth-te-$slot" \
      --pidfile "$dir/docker.pid" -H "unix://$dir/docker.sock" --bridge "$bridge" \
      --default-address-pool "base=10.$((100 + slot)).0.0/16,size=24"
    if [[ -n "$group" ]]; then printf '%s\n' --group "$group"; fi
  } >"$dir/args"
  # Other users reach the socket only through this folder (mktemp makes it private).
  if [[ -n "$group" ]]; then
    getent group "$group" >/dev/null || groupadd "$group"
    chmod 755 "$dir"
  fi
  launch "$dir"
  log "engine up: data root $dir/data (empty), socket $dir/docker.sock, bridge $bridge 10.213.$slot.0/24"
  echo "export DOCKER_HOST=unix://$dir/docker.sock BERTH_TEST_ENGINE=$dir"
}

# Starts the dockerd of DIR with the arguments `up` chose, and waits until it answers.
launch() {
  local dir="$1" i
  local -a args
  mapfile -t args <"$dir/args"
  setsid nohup dockerd "${args[@]}" >>"$dir/dockerd.log" 2>&1 &
  for i in $(seq 1 120); do
    if docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "dockerd did not answer in 60 s; its log: $dir/dockerd.log"
  tail -n 20 "$dir/dockerd.log" >&2 || true
  exit 1
}

down() {
  local dir="${1:-${BERTH_TEST_ENGINE:-}}"
  [[ -n "$dir" && -f "$dir/slot" ]] || { log "usage: test-engine.sh down DIR (the folder 'up' printed)"; exit 2; }
  local slot pid sock="unix://$dir/docker.sock"
  slot="$(cat "$dir/slot")"
  # Containers first, so their network namespaces and mounts are gone before the engine stops.
  if docker -H "$sock" info >/dev/null 2>&1; then
    local ids
    ids="$(docker -H "$sock" ps -aq)"
    if [[ -n "$ids" ]]; then
      # shellcheck disable=SC2086
      docker -H "$sock" rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
  if pid="$(cat "$dir/docker.pid" 2>/dev/null)" && kill "$pid" 2>/dev/null; then
    local i
    for i in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # Whatever the engine left mounted under its roots (overlay layers, shm) goes before the folders.
  local m
  for m in $(awk -v a="$dir/" -v b="/run/berth-te-$slot/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  ip link del "bertht$slot" 2>/dev/null || true
  rm -rf "$dir" "/run/berth-te-$slot" "/run/berth-test-engine-slot-$slot"
  log "engine down: $dir removed"
}

start() {
  local dir="${1:-}"
  [[ -n "$dir" && -f "$dir/args" ]] || { log "usage: test-engine.sh start DIR (the folder 'up' printed)"; exit 2; }
  if docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1; then return 0; fi
  launch "$dir"
  log "engine started again: data root $dir/data"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  start) shift; start "$@" ;;
  down) shift; down "$@" ;;
  *) log "usage: test-engine.sh up [--group GROUP] | start DIR | down DIR"; exit 2 ;;
esac
