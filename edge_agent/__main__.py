"""Entry point of ``edge-agent``: run the command, map failures to exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from edge_agent import exit_codes
from edge_agent.cli.root import cli
from edge_agent.errors import ConfigError, EdgeAgentError
from edge_agent.logs import log_file_hint
from knowledge_cache import KnowledgeCacheError
from policies import PolicyError
from sync import SyncError

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
    except (EdgeAgentError, KnowledgeCacheError, PolicyError, SyncError) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exit_codes.FAILURE
    except Exception as exc:
        logger.exception("unexpected failure")
        print(
            f"error: unexpected {type(exc).__name__}: {exc}. {log_file_hint()}",
            file=sys.stderr,
        )
        return exit_codes.FAILURE
    return result if isinstance(result, int) else exit_codes.OK


if __name__ == "__main__":
    sys.exit(main())
