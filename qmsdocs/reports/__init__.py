"""Coverage reports and the annual ISO assessment of the province."""


def init_app(app) -> None:
    """Bound in the factory; filled in by the reports area."""
