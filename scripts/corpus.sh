#!/usr/bin/env bash
# Runs the ingestion over a folder of real third-party mail (by default ../shared/corpus,
# which a user's clone may not have) and prints the outcome per state and per reason.
# A development tool: the tests never depend on that folder.
#
#   bash scripts/corpus.sh [CORPUS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
[ -d "$corpus" ] || { echo "no corpus at $corpus: pass a folder of .eml files" >&2; exit 1; }

cargo build --quiet --locked ${HUBMAIL_PROFILE:---release}
hubmail=target/${HUBMAIL_PROFILE_DIR:-release}/hubmail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/md/new" "$work/md/cur" "$work/md/tmp"
i=0
while IFS= read -r -d '' f; do
  i=$((i + 1))
  cp "$f" "$work/md/new/$(printf '%05d' "$i").eml"
done < <(find "$corpus" -type f ! -name '*.tsv' ! -name '*.md' -print0 | sort -z)

echo "messages: $i"
/usr/bin/time -f "ingest: %e s, peak RSS %M KiB" \
  "$hubmail" --data-dir "$work/data" ingest --maildir "$work/md" --json
"$hubmail" --data-dir "$work/data" queue --state all --limit 0 --json | python3 -c '
import collections, json, sys
rows = json.load(sys.stdin)
print("by state:", dict(collections.Counter(r["state"] for r in rows)))
reasons = collections.Counter(
    (r["state"], (r["reason"] or "")[:60]) for r in rows if r["state"] in ("ignored", "quarantined"))
for (state, reason), n in reasons.most_common(25):
    print(f"{n:5} {state:12} {reason}")
'
# What was read from the attachments of the contributions.
"$hubmail" --data-dir "$work/data" queue --state pending --limit 0 --json | python3 -c '
import collections, json, subprocess, sys
outcomes = collections.Counter()
for row in json.load(sys.stdin):
    shown = json.loads(subprocess.run([sys.argv[1], "--data-dir", sys.argv[2], "show", str(row["id"]), "--json"],
                                      capture_output=True, check=True).stdout)
    for a in shown["attachments"]:
        e = a.get("extraction") or {}
        outcomes[(e.get("kind") or "-", e.get("outcome", "not read"), (e.get("summary") or "")[:70])] += 1
print("attachments:", sum(outcomes.values()))
for (kind, outcome, summary), n in outcomes.most_common(30):
    print(f"{n:5} {kind:5} {outcome:12} {summary}")
' "$hubmail" "$work/data"
"$hubmail" --data-dir "$work/data" check
