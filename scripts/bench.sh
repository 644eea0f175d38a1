#!/usr/bin/env bash
# The benchmark: hubmail beside notmuch and mu on a generated multilingual Maildir, and
# hubmail serve under wrk.
#
#   bash scripts/bench.sh               # N = 10,000
#   bash scripts/bench.sh --n 100000    # the full run
#   bash scripts/bench.sh --quick       # N = 500, one run each: keeps the benchmark working in CI
#
# Prints markdown tables and writes target/bench/results.json. Installs notmuch, mu and wrk
# (Debian packages) when missing. No timing is asserted anywhere: this reports.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v notmuch >/dev/null 2>&1 || need+=(notmuch)
command -v mu >/dev/null 2>&1 || need+=(maildir-utils)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages) for the comparison" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --quiet --locked --release --bin hubmail --example search_latency
python3 scripts/bench.py "$@"
