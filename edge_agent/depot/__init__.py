"""Back at the depot: enrolment and sync with the central service.

- ``enrolment``: enrolling the device and keeping its credentials.
- ``sync_run``: one sync, for the command line and the app alike.
- ``updates``: applying what a sync pulled: policy, knowledge base, jobs,
  the release manifest, kill switch.
- ``release``: the release manifest held, checked whenever it is read.
- ``model_gate``: which model file may load: the release decides.
- ``signatures``: the centre's signature on a KB snapshot or a manifest.
- ``sync_state``: what the device remembers between syncs.
"""

from __future__ import annotations

__all__: list[str] = []
