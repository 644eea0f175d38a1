#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer): the path from raw bytes to a stored submission, and
# the search query language. Each target runs for a bounded time; a finding is saved under
# fuzz/artifacts/TARGET/ and must become a regression fixture (fixtures/fuzz/TARGET/).
#
#   bash scripts/fuzz.sh                 # 60 s per target
#   bash scripts/fuzz.sh --seconds 600   # 10 minutes per target
#
# The machine's toolchain is stable; libFuzzer's instrumentation flags are unstable, so
# the build runs with RUSTC_BOOTSTRAP=1 (the compiler is the same one).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
if [ "${1:-}" = "--seconds" ]; then seconds=$2; fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
for target in ingest_bytes search_query; do
  mkdir -p "fuzz/corpus/$target"
  if [ "$target" = ingest_bytes ]; then
    cp -n fixtures/mail/*.eml fixtures/hostile/*.eml "fuzz/corpus/$target/" 2>/dev/null || true
  else
    cp -n queries/*.query queries/bench/*.query "fuzz/corpus/$target/" 2>/dev/null || true
  fi
  echo "== fuzzing $target for $seconds s"
  cargo fuzz run "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -print_final_stats=1
done
