#!/usr/bin/env bash
# Runs every check and test hubmail has, on a fresh Debian machine with Rust installed:
# formatting, lints, unit tests and the integration tests that drive the real binary.
# This is the README's test command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# rustfmt and clippy come with the toolchain; add them where a minimal profile lacks them.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

echo "== cargo test"
cargo test --locked

echo "== scripts/bench.sh --quick (keeps the benchmark working; asserts no timing)"
bash scripts/bench.sh --quick
