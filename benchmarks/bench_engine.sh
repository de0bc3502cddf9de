#!/usr/bin/env bash
# Wall time of engine/build.sh: cold (empty Go module and build caches, in a temp folder, so the
# machine's caches are left alone), rebuild (warm caches, no binaries) and skip (binaries there).
#
#   bash benchmarks/bench_engine.sh            # all three; the cold one downloads ~1 GB of modules
#   bash benchmarks/bench_engine.sh --warm     # rebuild and skip only
#
# The cold build runs in a scratch copy of the repository so that .engine/ is untouched.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$scratch/log" 2>&1 || { cat "$scratch/log" >&2; return 1; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}

mkdir -p "$scratch/repo/engine"
cp "$root/engine/build.sh" "$scratch/repo/engine/"
if [ "${1:-}" != "--warm" ]; then
  cold=$(GOMODCACHE="$scratch/gomod" GOCACHE="$scratch/gocache" seconds bash "$scratch/repo/engine/build.sh")
  echo "cold build (empty Go caches): $cold s"
  rm -rf "$scratch/repo/.engine"
fi
warm=$(seconds bash "$scratch/repo/engine/build.sh")
echo "rebuild (warm Go caches):     $warm s"
skip=$(seconds bash "$scratch/repo/engine/build.sh")
echo "skip (binaries present):      $skip s"
