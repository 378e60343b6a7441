#!/usr/bin/env bash
# Screenshots of the supervisor's console at 1280x800, taken by Debian's
# headless Chromium from a fresh centre with demo data in it (a device that
# enrolled, ordered parts held for review, asked questions and synced), signed
# in as a supervisor. Your own centre and device are untouched.
#   ./scripts/console_tour.sh                # into console-screenshots/
#   ./scripts/console_tour.sh OUT_DIR
# The pages photographed are listed in PAGES in tests/browser/tour.py.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
OUT="$(realpath -m "${1:-$ROOT/console-screenshots}")"
cd "$ROOT"
exec "$VENV/bin/python" -m tests.browser.tour "$OUT"
