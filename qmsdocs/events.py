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

# sender: the TTHC code (str); kwargs: change ("changed" or "abolished"), effective_on (date),
# description (str), actor. Sent by the catalog when a TTHC's legal bases change or it is abolished.
admin_procedure_changed = _signals.signal("admin-procedure-changed")
