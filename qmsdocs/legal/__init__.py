"""The legal document registry: laws, decrees, circulars, decisions and how they change."""

from __future__ import annotations


def init_app(app) -> None:
    from qmsdocs.legal import api, cli, routes

    app.register_blueprint(api.bp)
    app.register_blueprint(routes.bp)
    cli.register()
