#!/usr/bin/env bash
# The "remote" Docker host of the remote-host tests, on this machine (see ENVIRONMENT.md): a second
# Docker engine on its own socket and roots, users for sshd to log in as, and the images the tests
# run, loaded from the local engine (there is no registry). Idempotent; the tests' own sshd is
# started per run by test/remoteSupport.ts. Run as root.
set -euo pipefail

RUN=/run/berth-remote
SOCK=$RUN/docker.sock
GROUP=berthdock
# Its own bridge and subnet: sharing docker0 with the local engine would hand out the same
# container addresses twice, and HTTP servers are reached by address.
BRIDGE=berthbr0
export DEBIAN_FRONTEND=noninteractive

if [ ! -x /usr/sbin/sshd ]; then
  echo "berth: installing Debian's openssh-server…" >&2
  apt-get update -qq >/dev/null
  apt-get install -y -qq openssh-server >/dev/null
fi
mkdir -p /run/sshd

getent group "$GROUP" >/dev/null || groupadd "$GROUP"
# berthremote may use the engine; the others each lack one thing, for the clear-error tests.
for u in berthremote berthnoperm berthnocli berthnoengine; do
  if ! id "$u" >/dev/null 2>&1; then
    useradd -m -s /bin/sh "$u"
    # A fresh user is locked ("!") and sshd refuses it even for public keys; "*" unlocks it without a password.
    usermod -p '*' "$u"
  fi
done
usermod -aG "$GROUP" berthremote
usermod -aG "$GROUP" berthnocli
# berthnocli's PATH (set by the test sshd) holds a shell and nothing else.
mkdir -p /opt/berth-nocli/bin
ln -sf /bin/sh /opt/berth-nocli/bin/sh

if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link add "$BRIDGE" type bridge
  ip addr add 172.31.77.1/24 dev "$BRIDGE"
  ip link set "$BRIDGE" up
fi

# An engine from before the bridge above was added: restart it on its own bridge.
if docker -H "unix://$SOCK" info >/dev/null 2>&1 &&
  [ "$(docker -H "unix://$SOCK" network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}')" != "$BRIDGE" ]; then
  kill "$(cat "$RUN/docker.pid")"
  for _ in $(seq 1 30); do docker -H "unix://$SOCK" info >/dev/null 2>&1 || break; sleep 1; done
  sleep 1
fi

# Its own roots, pidfile, socket and bridge (not --bridge none, which removes the default bridge
# the local engine uses), so it never disturbs the local engine.
if ! docker -H "unix://$SOCK" info >/dev/null 2>&1; then
  echo "berth: starting the second (remote) dockerd on $SOCK…" >&2
  mkdir -p "$RUN"
  nohup dockerd --data-root /var/lib/berth-remote-docker --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" \
    -H "unix://$SOCK" --group "$GROUP" --bridge "$BRIDGE" >/var/log/berth-remote-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker -H "unix://$SOCK" info >/dev/null 2>&1 && break
    sleep 1
  done
  docker -H "unix://$SOCK" info >/dev/null 2>&1 || { echo "berth: the second dockerd did not come up; see /var/log/berth-remote-dockerd.log" >&2; exit 1; }
fi

# Loaded again whenever the local image under that tag was rebuilt.
for image in "$@"; do
  if [ "$(docker -H "unix://$SOCK" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" != "$(docker image inspect -f '{{.Id}}' "$image")" ]; then
    echo "berth: loading $image into the remote engine…" >&2
    docker save "$image" | docker -H "unix://$SOCK" load -q >/dev/null
  fi
done
