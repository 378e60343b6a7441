"""The supervisors' web console, served by the governance service under
``/console/`` (the same process, storage and services as the device API).

People sign in with an account made by ``edge-governance user add``; devices
never use the console, and a person's session never signs a device request.

- ``app.py``: :func:`console_app`, the mounted sub-application: its pages,
  static files, security headers and error pages.
- ``context.py``: :class:`Console`, what every page reaches (the services,
  sessions, templates).
- ``guard.py``: the dependencies every page uses: a signed-in person
  (:data:`SignedInPerson`), a supervisor (:data:`Supervisor`), and a posted
  form whose CSRF token was checked (:data:`CheckedForm`).
- ``rendering.py``: Jinja2 templates (autoescaped) and :func:`render`.
- ``nav.py``: the navigation bar as data (:data:`NAV`).
- ``headers.py``: the security headers of every console response.
- ``sessions.py``: sign-in, expiry, sign-out, the sign-in limit (no HTTP).
- one module per page: ``sign_in.py``, ``review_page.py`` (with
  ``review_views.py``, how its rows and filters read), ``turns_page.py``
  (Decisions & turns, with ``turn_views.py``), ``report_page.py`` (the shift
  report, with ``report_views.py`` and ``charts.py``, its plots),
  ``fleet_page.py`` (the fleet and a device's page), ``kill_switch_page.py``
  (with ``fleet_views.py``, how devices, cursors and switches read),
  ``releases_page.py`` and ``evaluations_page.py`` (with ``release_views.py``).

A new page is a module with a ``routes() -> APIRouter`` function whose routes
depend on :data:`SignedInPerson` (or :data:`Supervisor` and
:data:`CheckedForm` for a change), listed in ``app.PAGES``, its templates in
``templates/`` extending ``base.html``, and an entry in ``nav.NAV``.
"""

from __future__ import annotations

from sync.server.console.app import console_app
from sync.server.console.nav import NAV, NavItem
from sync.server.console.paths import PREFIX

__all__ = ["NAV", "PREFIX", "NavItem", "console_app"]
