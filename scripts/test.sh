#!/usr/bin/env bash
# Installs what is missing, then runs every check: format, lint, types, import
# contracts and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
export PATH="$VENV/bin:$PATH"

step() { printf '\n== %s\n' "$*" >&2; }
step "ruff format --check";   ruff format --check .
step "ruff check";            ruff check .
step "mypy (strict)";         mypy
step "import contracts";      lint-imports
step "pytest";                pytest "$@"
