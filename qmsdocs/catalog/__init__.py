"""The catalog of administrative procedures (thủ tục hành chính, TTHC) and agency structure."""


def init_app(app) -> None:
    """Register the catalog API, pages, CLI and check, and suggest TTHC links when a version becomes current."""
    from qmsdocs import events
    from qmsdocs.catalog import api, cli, routes  # noqa: F401  (cli registers on import)
    from qmsdocs.catalog.links import on_version_became_current
    from qmsdocs.catalog.services import check_search_keys
    from qmsdocs.integrity import register_check

    api.init_app(app)
    routes.init_app(app)
    events.version_became_current.connect(on_version_became_current, weak=False)
    register_check(check_search_keys)
