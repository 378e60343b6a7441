#!/usr/bin/env bash
# Installs what is missing, loads the bundled demo fleet into the knowledge base
# (a no-op when it is already there) and starts the assistant.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec "$VENV/bin/edge-agent" demo "$@"
