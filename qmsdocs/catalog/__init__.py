"""The catalog of administrative procedures (thủ tục hành chính, TTHC) and agency structure."""


def init_app(app) -> None:
    """Bound in the factory; filled in by the catalog area."""
