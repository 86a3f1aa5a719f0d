#!/usr/bin/env bash
# What the browser tests need that pip cannot install: Debian's Chromium, its driver and npm.
# As root it installs what is missing with apt-get; otherwise it names the command to run and fails.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing for the browser tests: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "The browser tests need ${need[*]}: run \`sudo apt-get install ${need[*]}\` (Debian/Ubuntu), then make test." >&2
  exit 1
fi
