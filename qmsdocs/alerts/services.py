"""The alerts area's public operations, for routes, the API, the CLI and other areas.

The work lives in small modules along its seams: `facts` (what the rules read), `rules`
(pure decisions), `store` (opening, resolving, counting), `evaluation` (which procedures to
re-evaluate and when), `workflow` (what people do) and `queries` (reading).
"""

from __future__ import annotations

from qmsdocs.alerts.evaluation import (
    EvaluationReport,
    evaluate_all,
    evaluate_change,
    evaluate_document,
    evaluate_procedure,
    on_legal_change_recorded,
    on_legal_document_changed,
    on_procedure_changed,
    on_version_became_current,
)
from qmsdocs.alerts.queries import (
    RULE_ALIASES,
    AgencyDigest,
    alert_query,
    alerts_for_procedure,
    counts_by_agency_and_rule,
    digest,
    list_alerts,
    parse_rule,
    parse_statuses,
)
from qmsdocs.alerts.store import sync_open_counts
from qmsdocs.alerts.workflow import (
    MAX_REASON_LENGTH,
    acknowledge,
    dismiss,
    get_alert,
    open_review_alert,
    open_review_alerts,
    raise_admin_procedure_change,
    record_review,
)
from qmsdocs.clock import local_today

__all__ = [
    "RULE_ALIASES", "MAX_REASON_LENGTH", "AgencyDigest", "EvaluationReport", "acknowledge", "alert_query",
    "alerts_for_procedure", "counts_by_agency_and_rule", "digest", "dismiss", "evaluate_all", "evaluate_change",
    "evaluate_document", "evaluate_procedure", "get_alert", "list_alerts", "local_today", "on_legal_change_recorded",
    "on_legal_document_changed", "on_procedure_changed", "on_version_became_current", "open_review_alert",
    "open_review_alerts", "parse_rule", "parse_statuses", "raise_admin_procedure_change", "record_review", "sync_open_counts",
]
