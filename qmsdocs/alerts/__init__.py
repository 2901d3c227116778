"""Stale-procedure alerts: raised when cited law changes or a review is overdue, tracked until resolved."""


def init_app(app) -> None:
    """Bound in the factory; filled in by the alerts area."""
