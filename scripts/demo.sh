#!/usr/bin/env bash
# The quickstart's main job: ingest the bundled fixture mail into a local data folder with
# the embedded default configuration (no server, no config file), then show the moderation
# queue. Safe to run again: the same mail is recognised and nothing is stored twice.
#
#   bash scripts/demo.sh                 # data in ./hubmail-data
#   HUBMAIL_DATA_DIR=/tmp/x bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

data="${HUBMAIL_DATA_DIR:-hubmail-data}"
maildir="$data/demo-maildir"

# The readers of attached PDFs and RTF files (Debian packages); without them an
# attachment's outcome says which one is missing, and the rest works.
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v unrtf >/dev/null 2>&1 || need+=(unrtf)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "note: attachments need ${need[*]} (apt-get install ${need[*]}); going on without" >&2
  fi
fi

cargo build --quiet --locked
hubmail=target/debug/hubmail

# The fixtures are copied into a Maildir inside the data folder, so the checkout's own
# files are never moved by the ingestion.
mkdir -p "$maildir/new" "$maildir/cur" "$maildir/tmp"
for eml in fixtures/mail/*.eml; do
  name=$(basename "$eml")
  if ! ls "$maildir/cur/$name"* >/dev/null 2>&1; then
    cp "$eml" "$maildir/new/$name"
  fi
done

"$hubmail" --data-dir "$data" ingest --maildir "$maildir"
echo
"$hubmail" --data-dir "$data" queue
echo
echo "Next: '$hubmail --data-dir $data show 1' reads a submission;"
echo "      '$hubmail --data-dir $data queue --state all' lists every state."
