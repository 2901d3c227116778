"""The legal document registry: laws, decrees, circulars, decisions and how they change."""

from __future__ import annotations


def init_app(app) -> None:
    from qmsdocs.legal import api, cited, cli, parsing, routes

    app.register_blueprint(api.bp)
    # The procedure page shows how each citation reads against the registry.
    app.add_template_global(cited.cited_entries, "legal_cited_entries")
    app.add_template_global(parsing.article_label, "article_label")
    app.register_blueprint(routes.bp)
    cli.register()
