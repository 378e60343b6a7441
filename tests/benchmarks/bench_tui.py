"""Terminal app benchmark: start-up to the first usable screen.

Run ``python -m tests.benchmarks.bench_tui [--runs N] [--no-model] [--json]``.

The demo fleet is loaded into a temporary ``EDGE_AGENT_HOME`` first (or
``--home`` names one that holds it already).

1. Headless: a child process imports the command line and builds the app as
   ``edge-agent app`` does (settings from the environment, the default seams:
   the model loads in the background once the screen is up), then runs it
   headless at 80x24. Measured: from starting the child to the app's first
   frame (the chat screen composed, the question box focused), read from a
   wall-clock timestamp the child prints. Baselines, timed the same way in the
   same run: a bare ``python -c`` that prints a timestamp (the interpreter's
   own start-up), and the whole of ``edge-agent --help``.
2. Terminal (when tmux is installed): ``edge-agent app`` in a detached 80x24
   tmux session, polled with ``capture-pane`` every 10 ms. Measured: from
   starting the session to the chat screen on the terminal ("Ready."), and to
   the status bar showing the device's state (read by a worker after the first
   frame). Baseline: a tmux session running bare Python that prints a line,
   timed the same way (tmux's own start-up and the polling are in both).

App and baselines alternate run by run. Target: the first usable screen in
at most 1 s (median, headless and in the terminal).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.benchmarks.reporting import emit, log, machine_facts, verdict

TARGET_SECONDS = 1.0
POLL_SECONDS = 0.01
TERMINAL_TIMEOUT = 30.0
READY_TEXT = "Ready."
STATUS_TEXT = "policy v"

FIRST_FRAME = """
import time
import edge_agent.__main__
from edge_agent.cli.state import CliState
from edge_agent.tui import default_deps, make_app

settings = CliState().settings()
app = make_app(settings, default_deps(settings, no_model={no_model}))

async def first_frame(pilot):
    print(time.time(), flush=True)
    app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=first_frame)
"""
BARE_PYTHON = "import time; print(time.time(), flush=True)"


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_AGENT_")}
    env["EDGE_AGENT_HOME"] = str(home)
    return env


def edge_agent() -> list[str]:
    script = Path(sys.executable).with_name("edge-agent")
    return [str(script)] if script.exists() else [sys.executable, "-m", "edge_agent"]


def load_demo(home: Path) -> None:
    subprocess.run(
        [*edge_agent(), "demo", "--no-start"],
        env=environment(home),
        capture_output=True,
        check=True,
        timeout=300,
    )


# --- 1. headless ---------------------------------------------------------------


def until_timestamp(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``command`` to the timestamp it prints first."""
    started = time.time()
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return float(result.stdout.split()[0]) - started


def until_exit(command: list[str], env: dict[str, str]) -> float:
    """Seconds from starting ``command`` to its end."""
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
    return time.perf_counter() - started


def bench_headless(home: Path, runs: int, no_model: bool) -> dict[str, Any]:
    env = environment(home)
    app = [sys.executable, "-c", FIRST_FRAME.format(no_model=no_model)]
    measures: dict[str, Callable[[], float]] = {
        "app_first_frame": lambda: until_timestamp(app, env),
        "python_start": lambda: until_timestamp(
            [sys.executable, "-c", BARE_PYTHON], env
        ),
        "edge_agent_help": lambda: until_exit([*edge_agent(), "--help"], env),
    }
    samples = alternating(measures, runs)
    return with_ratios(samples, "app_first_frame", ("python_start", "edge_agent_help"))


# --- 2. terminal -----------------------------------------------------------------


def until_on_screen(
    command: str, env: dict[str, str], texts: Sequence[str]
) -> dict[str, float]:
    """Seconds from starting ``command`` in tmux until each of ``texts`` shows."""
    server = f"bench-tui-{os.getpid()}-{time.monotonic_ns()}"
    tmux = ["tmux", "-L", server]
    variables = [
        arg for name in ("EDGE_AGENT_HOME",) for arg in ("-e", f"{name}={env[name]}")
    ]
    started = time.perf_counter()
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            "b",
            "-x",
            "80",
            "-y",
            "24",
            *variables,
            command,
        ],
        env=env,
        check=True,
    )
    seen: dict[str, float] = {}
    try:
        while len(seen) < len(texts):
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "b"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            elapsed = time.perf_counter() - started
            seen.update({t: elapsed for t in texts if t in screen and t not in seen})
            if elapsed > TERMINAL_TIMEOUT:
                raise RuntimeError(f"never saw {texts} in the terminal:\n{screen}")
            time.sleep(POLL_SECONDS)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
    return seen


def bench_terminal(home: Path, runs: int, no_model: bool) -> dict[str, Any] | None:
    if shutil.which("tmux") is None:
        return None
    env = environment(home)
    app = " ".join([*edge_agent(), "app", *(["--no-model"] if no_model else [])])
    bare = f"{sys.executable} -c 'print(\"{READY_TEXT}\"); import time; time.sleep(60)'"
    screens: list[dict[str, float]] = []

    def app_ready() -> float:
        screens.append(until_on_screen(app, env, (READY_TEXT, STATUS_TEXT)))
        return screens[-1][READY_TEXT]

    measures: dict[str, Callable[[], float]] = {
        "app_first_screen": app_ready,
        "python_in_terminal": lambda: until_on_screen(bare, env, (READY_TEXT,))[
            READY_TEXT
        ],
    }
    samples = alternating(measures, runs)
    samples["app_status_bar"] = [screen[STATUS_TEXT] for screen in screens]
    return with_ratios(samples, "app_first_screen", ("python_in_terminal",))


# --- figures ----------------------------------------------------------------------


def alternating(
    measures: dict[str, Callable[[], float]], runs: int
) -> dict[str, list[float]]:
    """``runs`` samples of each measure, one of each per round, the order
    turning round by round; one warm-up round first (not counted)."""
    names = list(measures)
    for name in names:
        measures[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(measures[name]())
    return samples


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "min_s": round(min(values), 3),
        "max_s": round(max(values), 3),
    }


def with_ratios(
    samples: dict[str, list[float]], subject: str, baselines: Sequence[str]
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        name: summary(values) for name, values in samples.items()
    }
    median = figures[subject]["median_s"]
    figures["ratios"] = {
        f"{subject}/{base}": round(median / figures[base]["median_s"], 2)
        for base in baselines
    }
    figures["meets_target"] = median <= TARGET_SECONDS
    return figures


def render(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    lines = [
        f"machine: {m['usable_cores']} of {m['cores']} cores (load "
        f"{m['load_average_1min']} at the end), Python {m['python']}, "
        f"{m['platform']}; {figures['runs']} runs each, model "
        f"{'off' if figures['no_model'] else 'loading in the background'}",
        "",
        "1. Headless, from starting the process   median    min     max",
    ]
    lines += rows(figures["headless"])
    terminal = figures["terminal"]
    lines.append("")
    if terminal is None:
        lines.append("2. Terminal: skipped (tmux is not installed)")
    else:
        lines.append("2. Terminal (tmux 80x24), from starting it")
        lines += rows(terminal)
    return "\n".join(lines)


def rows(section: dict[str, Any]) -> list[str]:
    lines = []
    for name, value in section.items():
        if name in ("ratios", "meets_target"):
            continue
        lines.append(
            f"   {name:<36}{value['median_s']:7.3f} s{value['min_s']:7.3f}"
            f"{value['max_s']:8.3f}"
        )
    lines += [
        f"   ratio {name}: {ratio:.2f}x" for name, ratio in section["ratios"].items()
    ]
    met = verdict(section["meets_target"])
    lines.append(f"   first usable screen <= {TARGET_SECONDS:g} s: {met}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-model", action="store_true", help="start without the local model"
    )
    parser.add_argument(
        "--no-terminal", action="store_true", help="skip the tmux measurement"
    )
    parser.add_argument(
        "--home", type=Path, help="a home with the demo fleet (default: a new one)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON on stdout, table on stderr"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-tui-") as temporary:
        home = args.home or Path(temporary) / "home"
        if args.home is None:
            log("loading the demo fleet ...")
            load_demo(home)
        log(f"headless start-up, {args.runs} runs ...")
        headless = bench_headless(home, args.runs, args.no_model)
        terminal = None
        if not args.no_terminal:
            log(f"start-up in a terminal, {args.runs} runs ...")
            terminal = bench_terminal(home, args.runs, args.no_model)
    figures = {
        "machine": machine_facts(),
        "runs": args.runs,
        "no_model": args.no_model,
        "headless": headless,
        "terminal": terminal,
    }
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
