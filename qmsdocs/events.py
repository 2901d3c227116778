"""Domain signals, so areas (search, alerts, catalog) react to changes without the core knowing them.

Receivers run inside the sender's transaction: work that must only happen after a
successful commit (search indexing) records a durable mark here and acts after commit.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Procedure; kwargs: none. Sent when a procedure is created, edited, retired or moved.
procedure_changed = _signals.signal("procedure-changed")

# sender: the new ProcedureVersion; kwargs: became_current (bool).
version_added = _signals.signal("version-added")

# sender: the ProcedureVersion that became current (after an approval or a direct upload);
# kwargs: previous (the ProcedureVersion it replaced, or None).
version_became_current = _signals.signal("version-became-current")

# sender: the LegalChange just recorded (once; a repeated record sends nothing).
# Receivers return how many alerts they opened, so the registry can report it.
legal_change_recorded = _signals.signal("legal-change-recorded")

# sender: the LegalDocument registered or edited (fields, status, aliases); kwargs: none.
# Receivers return how many alerts they opened.
legal_document_changed = _signals.signal("legal-document-changed")


def opened_by(results) -> int:
    """Sum what receivers of a `legal_*` signal returned (alerts opened)."""
    return sum(value for _receiver, value in results if isinstance(value, int))
