"""The legal document registry: laws, decrees, circulars, decisions and how they change."""


def init_app(app) -> None:
    """Bound in the factory; filled in by the legal area."""
