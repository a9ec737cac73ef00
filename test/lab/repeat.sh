#!/usr/bin/env bash
# Run the lab tests N times in a row (default 10) and print x/N per test file.
# Usage: test/lab/repeat.sh [N] [test files…]   (root, iproute2)
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10}
shift || true
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(test/lab/*.test.ts)
declare -A passed
for f in "${files[@]}"; do passed[$f]=0; done
for i in $(seq 1 "$n"); do
  for f in "${files[@]}"; do
    if npx vitest run "$f" >/tmp/rigmap-lab-repeat.log 2>&1; then passed[$f]=$((passed[$f] + 1)); else echo "run $i: $f failed"; tail -40 /tmp/rigmap-lab-repeat.log; fi
  done
done
for f in "${files[@]}"; do echo "$f: ${passed[$f]}/$n"; done
