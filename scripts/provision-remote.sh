#!/usr/bin/env bash
# The users and sshd of the remote-host tests' "remote" Docker host, on this machine (see
# ENVIRONMENT.md): Debian's openssh-server and users for sshd to log in as. Idempotent; run as root.
# The tests start their own sshd per run (test/remoteSupport.ts), in front of a second Docker
# engine that scripts/with-test-engines.sh starts for the run on an empty data root (its socket
# belongs to group berthdock) and removes at the end; the tests load their images into it.
set -euo pipefail

GROUP=berthdock
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
