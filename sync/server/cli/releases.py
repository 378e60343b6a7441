"""``edge-governance release``: named sets of model, policy, KB and app version.

edge-governance release create --name NAME [--model-file PATH |
    --model-sha256 HEX --model-name NAME] [--policy-version N] [--kb-version N]
    [--app-version V] [--override-gate --reason TEXT]
edge-governance release list [--json]
edge-governance release show [NAME|ID] [--json]
edge-governance release rollback [--to NAME|ID] --reason TEXT
edge-governance release reports [--limit N] [--json]       (see gate.py)
edge-governance release gate show [--json] | set KEY VALUE  (see gate.py)
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from sync.server.cli.context import state
from sync.server.cli.release_views import (
    SHORT_HASH,
    gate_text,
    history_json,
    history_lines,
    parts_text,
    render_state,
    rollback_text,
    state_json,
)
from sync.server.clock import utc_now
from sync.server.gate_config import load_gate
from sync.server.releases import (
    ModelFile,
    Releases,
    release_history,
    release_state,
)


@click.group("release")
def release_group() -> None:
    """Releases: what devices run, its history, and rolling back."""


@release_group.command("create")
@click.option(
    "--name", required=True, help="The release's name (letters, digits, ._-)."
)
@click.option(
    "--model-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The GGUF devices may run (default: the default model installed here).",
)
@click.option("--model-sha256", help="The model file's SHA-256, instead of the file.")
@click.option("--model-name", help="The model file's name, with --model-sha256.")
@click.option("--policy-version", type=click.IntRange(1), help="Default: the newest.")
@click.option("--kb-version", type=click.IntRange(1), help="Default: the newest.")
@click.option("--app-version", help="Default: the app version installed here.")
@click.option(
    "--override-gate",
    is_flag=True,
    help="Publish without a passing evaluation report (a supervisor's "
    "decision, recorded and shown with every later release and report).",
)
@click.option("--reason", help="Why the gate is overridden (with --override-gate).")
@click.pass_context
def create(
    ctx: click.Context,
    name: str,
    model_file: Path | None,
    model_sha256: str | None,
    model_name: str | None,
    policy_version: int | None,
    kb_version: int | None,
    app_version: str | None,
    override_gate: bool,
    reason: str | None,
) -> None:
    """Record a release of the newest policy and KB with a model file, once
    an uploaded evaluation report for exactly it passes the gate."""
    if override_gate != (reason is not None):
        raise click.UsageError("--override-gate and --reason go together.")
    model = _model(model_file, model_sha256, model_name)
    cli = state(ctx)
    gate = load_gate(cli.settings().data_dir)
    with cli.storage() as storage:
        release = Releases(storage, cli.keys(), clock=utc_now).create(
            name,
            actor=cli.actor,
            model=model,
            policy_version=policy_version,
            kb_version=kb_version,
            app=app_version,
            gate=gate,
            override=reason,
        )
        made = release_state(storage, release.name)
    click.echo(
        f"Release {release.release_id} {release.name}: {parts_text(release)}; "
        f"gate: {gate_text(made)}. Devices get its manifest at their next sync."
    )


@release_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_releases(ctx: click.Context, as_json: bool) -> None:
    """Every release, newest first, with how many devices run each."""
    with state(ctx).storage() as storage:
        history = release_history(storage)
    if as_json:
        click.echo(json.dumps(history_json(history), indent=2))
        return
    if not history.releases:
        click.echo("No release has been made yet.", err=True)
    for line in history_lines(history):
        click.echo(line)


@release_group.command("show")
@click.argument("release", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, release: str | None, as_json: bool) -> None:
    """One release (the newest by default): its parts and the devices on it."""
    with state(ctx).storage() as storage:
        shown = release_state(storage, release)
    if as_json:
        click.echo(json.dumps(state_json(shown), indent=2))
    else:
        click.echo(render_state(shown))


@release_group.command("rollback")
@click.option("--to", "to", help="The release to bring back (default: the one before).")
@click.option("--reason", required=True, help="Why; kept with the release.")
@click.pass_context
def rollback(ctx: click.Context, to: str | None, reason: str) -> None:
    """Publish an older release's policy and KB again under new versions."""
    cli = state(ctx)
    with cli.storage() as storage:
        done = Releases(storage, cli.keys(), clock=utc_now).rollback(
            to=to, reason=reason, actor=cli.actor
        )
    click.echo(rollback_text(done))


def _model(path: Path | None, sha256: str | None, name: str | None) -> ModelFile | None:
    """The model file the options name; ``None`` for the default model."""
    if path is not None:
        if sha256 or name:
            raise click.UsageError(
                "Give --model-file, or --model-sha256 with --model-name, not both."
            )
        model = ModelFile.of(path)
        click.echo(f"{path.name}: sha256 {model.sha256[:SHORT_HASH]}...", err=True)
        return model
    if sha256 is None and name is None:
        return None
    if not sha256 or not name:
        raise click.UsageError("--model-sha256 and --model-name go together.")
    return ModelFile.named(name, sha256)
