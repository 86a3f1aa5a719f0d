#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, because Rasa 3.6.21 supports Python 3.8 to 3.10 only.
# Looks at $PYTHON310, python3.10 on PATH, pyenv, and the usual install places.
set -u
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    candidates+=("$(pyenv prefix "$v")/bin/python")
  done
fi
for p in "$HOME"/.pyenv/versions/3.10*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10 /opt/python3.10/bin/python3; do
  [ -x "$p" ] && candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if [ -x "$p" ] && "$p" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    echo "$p"
    exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.10 interpreter found. Rasa 3.6.21 runs on Python 3.8 to 3.10 only.
Install one, then run the command again, for example:
  - with pyenv:   pyenv install 3.10.13
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv  (deadsnakes PPA on Ubuntu)
or point to an existing one:  PYTHON310=/path/to/python3.10 make run
MSG
exit 1
