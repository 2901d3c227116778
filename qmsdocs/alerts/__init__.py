"""Stale-procedure alerts: raised when cited law changes or a review is overdue, tracked until resolved."""

from __future__ import annotations


def init_app(app) -> None:
    from qmsdocs import events
    from qmsdocs.alerts import api, cli, demo, routes, services  # noqa: F401  (demo registers its step)

    # Receivers run inside the sender's transaction, so alerts commit or vanish with the version.
    events.version_became_current.connect(services.on_version_became_current)
    events.procedure_changed.connect(services.on_procedure_changed)
    events.procedures_moved.connect(on_procedures_moved)
    events.admin_procedure_changed.connect(services.raise_admin_procedure_change)
    # The registry tells alerts about its changes by signal, so legal never imports alerts.
    events.legal_change_recorded.connect(services.on_legal_change_recorded)
    events.legal_document_changed.connect(services.on_legal_document_changed)
    app.register_blueprint(api.bp)
    app.register_blueprint(routes.bp)
    app.add_template_global(routes.procedure_alerts, "procedure_alerts")
    app.add_template_global(routes.alert_permissions, "alert_permissions")
    cli.register()


def on_procedures_moved(_source, *, moves, actor=None, **_details) -> None:
    """Every procedure one reorganization handed on is flagged for review by its new owner, in one batch."""
    from qmsdocs.alerts.services import open_review_alerts

    open_review_alerts(moves, actor=actor)
