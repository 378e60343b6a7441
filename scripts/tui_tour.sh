#!/usr/bin/env bash
# A short tour of the terminal app, driven in a real 80x24 terminal (a detached
# tmux session) as a technician would drive it, printing each screen as text.
# It uses a fresh temporary home with the demo fleet (and one generated photo
# of a part label), so your own is untouched. After the sights, it fills in
# the form that proposes an action by hand, and walks two sequences that once
# left the app stuck or confused: an order kept for later then one of sixty (a
# card removed under the focus), and typing a new path on the photo screen
# right after a reading. On the way it walks the kept chat: a new
# conversation begun, the list of past ones, and one reopened.
#   ./scripts/tui_tour.sh            # the whole tour
#   ./scripts/tui_tour.sh --no-model # without the local model
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

TOUR_HOME="$(mktemp -d)"
SERVER="edge-agent-tour-$$"
tmux_() { tmux -L "$SERVER" "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; rm -rf "$TOUR_HOME"; }
trap cleanup EXIT

# Print the screen under a title, framed so blank rows stay visible, once it
# has stopped changing (the last lines of an answer are laid out and scrolled).
show() {
    local previous="" current deadline=$((SECONDS + 10))
    current="$(tmux_ capture-pane -e -p -t tour)"
    while [ "$current" != "$previous" ] && ((SECONDS <= deadline)); do
        previous="$current"
        sleep 0.2
        current="$(tmux_ capture-pane -e -p -t tour)"
    done
    printf '\n=== %s\n' "$1"
    tmux_ capture-pane -p -t tour | sed 's/^/| /'
}

# Wait until every argument is on the screen (30 s at most).
wait_for() {
    local deadline=$((SECONDS + 30)) screen text missing
    while :; do
        screen="$(tmux_ capture-pane -p -t tour)"
        missing=""
        for text in "$@"; do
            [[ "$screen" == *"$text"* ]] || missing="$text"
        done
        [ -z "$missing" ] && return 0
        if ((SECONDS > deadline)); then
            printf '\n=== never saw: %s\n' "$missing"
            tmux_ capture-pane -p -t tour | sed 's/^/| /'
            exit 1
        fi
        sleep 0.05
    done
}

# Wait until the text is off the screen (30 s at most).
wait_gone() {
    local deadline=$((SECONDS + 30))
    while [[ "$(tmux_ capture-pane -p -t tour)" == *"$1"* ]]; do
        if ((SECONDS > deadline)); then
            printf '\n=== still there: %s\n' "$1"
            exit 1
        fi
        sleep 0.05
    done
}

keys() { tmux_ send-keys -t tour "$@"; }
type_() { tmux_ send-keys -t tour -l "$1"; }

# Press one key and wait until the screen (colours included) shows its effect,
# so the next key goes where this one moved the focus.
step() {
    local before deadline=$((SECONDS + 10))
    before="$(tmux_ capture-pane -e -p -t tour)"
    keys "$1"
    while [ "$(tmux_ capture-pane -e -p -t tour)" == "$before" ]; do
        ((SECONDS > deadline)) && return 0
        sleep 0.05
    done
}

EDGE_AGENT_HOME="$TOUR_HOME" "$VENV/bin/edge-agent" demo --no-start >/dev/null 2>&1
PHOTOS="$TOUR_HOME/photos"
(cd "$ROOT" && "$VENV/bin/python" -c '
import sys
from pathlib import Path
from tests.ocr_eval.generate import generate
(truth,) = generate(Path(sys.argv[1]), count=1, seed=5, clean=True, scenes=("part_label",))
Path(sys.argv[1], truth.file).rename(Path(sys.argv[1], "label" + Path(truth.file).suffix))
' "$PHOTOS")
LABEL="$(cd "$PHOTOS" && ls label.*)"
tmux_ new-session -d -s tour -x 80 -y 24 -e "EDGE_AGENT_HOME=$TOUR_HOME" \
    -e "EDGE_AGENT_PHOTOS_DIR=$PHOTOS" "$VENV/bin/edge-agent app $*"

wait_for "F1 Chat" "policy v1" "Ready."
show "1. Start-up: the chat, the status bar, the keys"

type_ "E-42"; keys Enter
wait_for "Answered (code lookup)." "[2] fault-codes.csv"
show "2. A fault code: exact lookup, quoted with its sources"

step C-o
wait_for "Enter opens"
keys Enter
wait_for "Esc to close" "Motor overload trip"
show "3. Its first source, opened (ctrl+o, Enter)"
keys Escape
wait_for "Enter opens"
keys Escape
wait_for "Answered (code lookup)."

type_ "how do I prime the pump"; keys Enter
wait_for "Answered (retrieval)."
show "4. A question: quotes first, then model text checked against them"

# --- the kept chat: a new conversation, the list, and an old one reopened -----------

keys C-n
wait_for "New conversation"
type_ "E-43"; keys Enter
wait_for "Answered (code lookup)."
keys C-r
wait_for "Past conversations" "E-43" "E-42"
show "5. ctrl+r: the kept conversations, newest first (ctrl+n began the one on E-43)"
type_ "E-42"
wait_gone "  E-43  "
keys Enter
wait_for "Reopened"
show "6. One reopened (typing filters, Enter): its answers and sources show again"

type_ "/do order two gaskets 4471-G10-131 for J-1001"; keys Enter
wait_for "Action request:"
wait_gone "Asking the model"
show "7. An action request: the proposal and the policy's decision"

keys F3
wait_for "New action"
show "8. Actions: every action with its state and reason (F3)"

keys F4
wait_for "job(s) from the sync"
show "9. Jobs from the last sync (F4); Enter makes one the chat's context"

keys F5
wait_for "document(s)."
step Down
keys Enter
wait_for "section(s). Esc: documents."
show "10. The knowledge base, a document by section (F5)"

keys F6
wait_for "Sync now"
keys s
wait_for "Sync failed"
show "11. Sync (F6, s): this tour's device is not enrolled, and says so"

keys F2
wait_for "Browse photos" "OCR ready"
show "12. Photo (F2): a path, or ctrl+o to pick one from the photos folder"

# --- an order kept for later, then one of sixty -----------------------------------

keys F3
wait_for "New action"
keys n
wait_for "Propose an action by hand" "Part number *"
type_ "4471-G10-131"
wait_for "Strainer cover gasket"
step Enter
type_ "2"
wait_for "Needs your confirmation:"
show "13. A hand order (F3, n): a form of the tool's arguments, the part described, the policy's decision before proposing"
keys Enter
wait_for "Decision CONFIRM" "Keep for later"
show "14. Enter in the last box proposes it: a short card over the queue, which stays in view"
keys Tab Enter
wait_for "Kept as action"
show "15. Kept for later: the card says so, the queue lists it 'to confirm'"
keys n
wait_for "Part number *"
type_ "4471-G10-131"
wait_for "Strainer cover gasket"
step Enter
type_ "two"
wait_for "must be a whole number"
show "16. A quantity in words: said beside the field, in plain words, the text kept"
step C-u
type_ "60"
wait_for "Denied: More than 50"
show "17. Sixty: the policy's DENY is shown before anything is proposed"
keys Enter
wait_for "Decision DENY" "denied"
show "18. Proposed anyway: DENY, the card scrolls within its share, reasons end in '…'"
keys F1
wait_for "proposes an action"
keys F3
wait_for "Decision DENY"
show "19. Every key still answers (F1, then F3 again)"
keys Escape
wait_for "New action"
show "20. Esc closes the card; the queue has the screen"

# --- typing a new path on the photo screen right after a reading -------------------

keys F2
wait_for "Browse photos"
type_ "$LABEL"; keys Enter
wait_for "$LABEL: "
show "21. A photo read: its codes, the highlighted one in detail"
type_ "elsewhere.jpg"
wait_for "elsewhere.jpg"
show "22. Typing goes to the path: 'e' corrects nothing, 'l' looks nothing up"
keys Enter
wait_for "elsewhere.jpg"
wait_for "does not exist"
show "23. A photo that is not there: the error stands alone, no codes of the last"
keys C-u
type_ "$LABEL"; keys Enter
wait_for "$LABEL: "
keys C-e
wait_for "Type it as printed"
keys Enter
wait_for "nothing corrected"
show "24. A correction typed as read (ctrl+e, Enter) changes nothing, and says so"

keys C-q
