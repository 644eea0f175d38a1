#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer): the path from raw bytes to a stored submission, text
# in any script through the analysis, and the search query language. Each target runs for a bounded time; a finding is saved under
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
for target in ingest_bytes analyse_text search_query; do
  mkdir -p "fuzz/corpus/$target"
  if [ "$target" != search_query ]; then
    cp -n fixtures/mail/*.eml fixtures/hostile/*.eml "fuzz/corpus/$target/" 2>/dev/null || true
  fi
  if [ -d "fuzz/seeds/$target" ]; then
    cp -n "fuzz/seeds/$target/"* "fuzz/corpus/$target/" 2>/dev/null || true
  fi
  if [ "$target" = search_query ]; then
    cp -n queries/*.query queries/bench/*.query "fuzz/corpus/$target/" 2>/dev/null || true
  fi
  echo "== fuzzing $target for $seconds s"
  # -fork=1 -ignore_crashes=1: a finding is saved and the run goes on, so that one
  # finding (mail-parser's debug assertion on nested message/rfc822 parts, which release
  # builds do not have) does not end the run of every target.
  cargo fuzz run "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -print_final_stats=1 \
    -fork=1 -ignore_crashes=1 || status=1
done
echo "== findings (each must become a fixture under fixtures/fuzz/TARGET/):"
find fuzz/artifacts -type f 2>/dev/null | sort || true
exit "${status:-0}"
