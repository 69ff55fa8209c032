#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket: installs Debian's docker.io when the
# machine has only a client, and starts dockerd in the background (these machines have no systemd).
# With --install-only it installs the engine and starts nothing: the tests start engines of their
# own (scripts/test-engine.sh) and never use this one.
set -euo pipefail

install_only=false
if [[ "${1:-}" == --install-only ]]; then install_only=true; fi

if ! $install_only && docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "berth: installing Debian's docker.io (a Docker engine)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi
if $install_only; then exit 0; fi

echo "berth: starting dockerd…" >&2
mkdir -p /var/log
nohup dockerd >/var/log/berth-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 1
done
echo "berth: dockerd did not come up; see /var/log/berth-dockerd.log" >&2
exit 1
