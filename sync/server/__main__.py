"""``edge-governance``: the central side's command line.

    edge-governance [--database-url URL] [--data-dir DIR] [--as NAME] COMMAND
    edge-governance keys list|rotate|revoke KEY_ID|generate
    edge-governance policy sign SOURCE_DIR [--key KEY] --version N --expires ISO8601
    edge-governance policy publish FILE|DIR [--expires-in 30d]
    edge-governance serve [--host 127.0.0.1] [--port N] [--database-url URL]
                          [--tls-cert FILE --tls-key FILE]
    edge-governance tls generate --host NAME [--host NAME ...] --out DIR
    edge-governance device enroll-token|list|revoke ...
    edge-governance review list|approve KEY|reject KEY --reason TEXT
    edge-governance kb publish PATH
    edge-governance jobs assign --device D FILE.json
    edge-governance kill-switch --device D|--tool T|--fleet on|off
    edge-governance report [--technician T] [--since ISO]
    edge-governance release create --name NAME [--model-file PATH] | list | show
    edge-governance release rollback [--to NAME] --reason TEXT
    edge-governance user add NAME --role supervisor|auditor [--password-stdin]
    edge-governance user list | disable NAME | password NAME
    edge-governance drift [--weeks N] [--since DATE] [--release NAME] [--json]
                          [--html FILE] [--fail-on-alert] | unanswered --out FILE
    edge-governance turns list|export|to-case TRACE_ID --out FILE
    edge-governance suite publish DIR [--note TEXT] | list | show [V] | export

Settings come from ``EDGE_GOVERNANCE_*`` variables, overridden by flags.
Exit codes: 0 done, 1 failed (the message says why), 2 usage or configuration
error, 6 an evaluation suite that cannot be published.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from policies import PolicyError
from sync.server.cli import APP_NAME, governance
from sync.server.errors import ConfigInvalid, ServerError, SuiteRefused

OK = 0
FAILURE = 1
USAGE = 2
SUITE_INVALID = 6

logger = logging.getLogger("sync.server")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``edge-governance`` and return its exit code."""
    try:
        governance.main(args=argv, prog_name=APP_NAME, standalone_mode=False)
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        return FAILURE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except ConfigInvalid as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return USAGE
    except SuiteRefused as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return SUITE_INVALID
    except (PolicyError, ServerError) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return FAILURE
    except Exception as exc:
        logger.exception("unexpected failure")
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILURE
    return OK


if __name__ == "__main__":
    sys.exit(main())
