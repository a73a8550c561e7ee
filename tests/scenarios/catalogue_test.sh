#!/usr/bin/env bash
# Every library scenario has its row in the catalogue: catalogue_test.sh README NAME...
set -euo pipefail
readme=$1
shift
missing=0
for name in "$@"; do
  if ! grep -q "\`$name\`" "$readme"; then
    echo "scenarios/README.md does not list $name (expected \`$name\` in its table)" >&2
    missing=1
  fi
done
exit $missing
