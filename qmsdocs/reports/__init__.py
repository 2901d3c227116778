"""Coverage reports and the annual ISO assessment of the province."""


def init_app(app) -> None:
    """Register the reports API and pages."""
    from qmsdocs.reports import api, routes

    api.init_app(app)
    routes.init_app(app)
