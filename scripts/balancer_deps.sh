#!/usr/bin/env bash
# What the multi-replica tests and a one-machine trial of scaling out need that pip cannot install: Debian's HAProxy.
# As root it installs it with apt-get when missing; otherwise it names the command to run and fails.
set -euo pipefail
command -v haproxy >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing HAProxy (load balancer in front of the Rasa replicas)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends haproxy
else
  echo "The replica tests need HAProxy: run \`sudo apt-get install haproxy\` (Debian/Ubuntu), then make test." >&2
  exit 1
fi
