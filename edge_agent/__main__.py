"""Entry point of ``edge-agent``: run the command, map failures to exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from edge_agent import exit_codes
from edge_agent.cli.root import cli
from edge_agent.errors import (
    ConfigError,
    EdgeAgentError,
    InteractiveConfirmationNeeded,
    LocalDamage,
)
from edge_agent.logs import log_file_hint

logger = logging.getLogger("edge_agent")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``edge-agent``; return an exit code from :mod:`edge_agent.exit_codes`."""
    try:
        # Without standalone mode click returns the code of an ``Exit``.
        result = cli.main(args=argv, prog_name="edge-agent", standalone_mode=False)
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        return exit_codes.FAILURE
    except click.ClickException as exc:
        exc.show()
        return exit_codes.CONFIG if isinstance(exc, click.UsageError) else exc.exit_code
    except ConfigError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exit_codes.CONFIG
    except InteractiveConfirmationNeeded as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exit_codes.CONFIRM_AT_PROMPT
    except LocalDamage as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exit_codes.DAMAGED
    except EdgeAgentError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exit_codes.FAILURE
    except Exception as exc:
        message = _package_error_message(exc)
        if message is not None:
            print(f"error: {message}", file=sys.stderr)
            damaged = _is_package_error(exc, DAMAGE_ERRORS)
            return exit_codes.DAMAGED if damaged else exit_codes.FAILURE
        logger.exception("unexpected failure")
        print(
            f"error: unexpected {type(exc).__name__}: {exc}. {log_file_hint()}",
            file=sys.stderr,
        )
        return exit_codes.FAILURE
    return result if isinstance(result, int) else exit_codes.OK


# The error base class of each package whose failures are the user's to fix.
PACKAGE_ERRORS = (
    ("knowledge_cache", "KnowledgeCacheError"),
    ("policies", "PolicyError"),
    ("sync", "SyncError"),
)


# The package errors that say a file of the home is damaged (exit 5).
DAMAGE_ERRORS = (
    ("knowledge_cache", "CacheCorrupt"),
    ("sync", "OutboxCorrupt"),
)


def _package_error_message(exc: Exception) -> str | None:
    """The message of a known package error, or None for an unexpected one."""
    if _is_package_error(exc, PACKAGE_ERRORS):
        return str(getattr(exc, "message", exc))
    return None


def _is_package_error(exc: Exception, classes: tuple[tuple[str, str], ...]) -> bool:
    """Whether ``exc`` is one of ``classes`` (module and class names).

    Looked up among the packages already imported: a command that never
    imported ``sync`` cannot raise a ``SyncError``, and importing every package
    here would slow the start of every command.
    """
    for module_name, class_name in classes:
        module = sys.modules.get(module_name)
        error_class = getattr(module, class_name, None) if module else None
        if isinstance(error_class, type) and isinstance(exc, error_class):
            return True
    return False


if __name__ == "__main__":
    sys.exit(main())
