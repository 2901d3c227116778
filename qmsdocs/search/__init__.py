"""Search: Vietnamese full-text search by content, administrative procedure and cited law."""


def init_app(app) -> None:
    """Bound in the factory; filled in by the search area."""
