#!/usr/bin/env bash
# Lighthouse scores of the demo site's home, a stage page and an item page, served
# locally by `evidence serve`. Run by hand (it fetches lighthouse from npm once);
# paste the table it prints into docs/development.md ("Page quality gates").
#
#   scripts/lighthouse.sh            # build the demo into a temp folder and audit it
#   scripts/lighthouse.sh output     # audit an already built site folder
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE="lighthouse@12.2.3"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
PORT="${PORT:-8765}"
work="$(mktemp -d)"
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

site="${1:-}"
if [ -z "$site" ]; then
  site="$work/site"
  uv run evidence demo -o "$site" >/dev/null
fi
item="$(cd "$site" && ls items/*-mr-*.html | head -n1)"

uv run evidence serve --dir "$site" --port "$PORT" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done

echo "| page | performance | accessibility | best practices | SEO |"
echo "| --- | --- | --- | --- | --- |"
for page in index.html architecture.html "$item"; do
  report="$work/report.json"
  npx --yes "$LIGHTHOUSE" "http://127.0.0.1:$PORT/$page" \
    --quiet --output=json --output-path="$report" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-dev-shm-usage" >/dev/null
  python3 - "$report" "$page" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
scores = [report["categories"][c]["score"] for c in ("performance", "accessibility", "best-practices", "seo")]
print(f"| `{sys.argv[2]}` | " + " | ".join(f"{s:.2f}" for s in scores) + " |")
PY
done
