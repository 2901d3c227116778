"""Domain signals: a lower area tells the higher ones what changed without importing them.

The sender imports only this module; the receiving area connects in its init_app
(tests/test_architecture.py fails on an import cycle between areas).

Receivers run inside the sender's transaction: work that must only happen after a
successful commit (search indexing) records a durable mark here and acts after commit.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Procedure; kwargs: none. Sent when a procedure is created, edited, retired or moved.
procedure_changed = _signals.signal("procedure-changed")

# sender: the new ProcedureVersion; kwargs: became_current (bool), change_request (the request number
# the uploader named, "12/2026", or None), actor. A receiver may refuse (raise InvalidInput/Conflict):
# the upload is then not stored.
version_added = _signals.signal("version-added")

# sender: the ProcedureVersion whose attached forms (biểu mẫu) were added or replaced; kwargs: none.
version_forms_changed = _signals.signal("version-forms-changed")

# sender: the ProcedureVersion just uploaded with forms alongside it (page or API); kwargs: files
# ([(bytes, file name)]), actor, max_bytes. The registers area attaches them and returns their codes;
# a refusal propagates, so the request rolls the version back with them: nothing is half-stored.
version_forms_uploaded = _signals.signal("version-forms-uploaded")

# sender: the ProcedureVersion that became current (after an approval or a direct upload);
# kwargs: previous (the ProcedureVersion it replaced, or None).
version_became_current = _signals.signal("version-became-current")

# sender: the Agency giving up its procedures in a reorganization (qmsdocs.agencies sends it, so the
# agencies area needs no import of the procedures area); kwargs: change (the AgencyChange),
# assignment ({procedure code: Agency that takes it}), default (the Agency that takes the others:
# the sender itself when they stay, None when they are retired with it), reason (str), actor.
# The procedures area moves or retires each procedure and returns the ProcedureTransfer rows;
# it raises InvalidInput when `assignment` names a procedure the sender does not have.
procedures_handed_over = _signals.signal("procedures-handed-over")

# sender: the Agency that handed over its procedures; kwargs: moves (a list of (Procedure, reason)
# for every active procedure one reorganization moved away from it), actor. Sent once per hand-over,
# so alerts flag a district's hundreds of procedures in a few statements instead of one by one.
procedures_moved = _signals.signal("procedures-moved")

# sender: a ChangeRequest (đề nghị sửa đổi) just submitted or decided; kwargs: what ("submitted",
# "accepted" or "declined"), actor. Notifications tell the approvers, the editor it is assigned
# to and the person who asked.
change_request_changed = _signals.signal("change-request-changed")

# sender: an Agency that ceased in a reorganization; kwargs: successor (the Agency taking over its
# work), actor. The auth area moves the agency's users to the successor.
agency_succeeded = _signals.signal("agency-succeeded")

# sender: the TTHC code (str); kwargs: change ("changed" or "abolished"), effective_on (date),
# description (str), actor. Sent by the catalog when a TTHC's legal bases change or it is abolished.
admin_procedure_changed = _signals.signal("admin-procedure-changed")

# sender: the LegalChange just recorded (once; a repeated record sends nothing).
# Receivers return how many alerts they opened, so the registry can report it.
legal_change_recorded = _signals.signal("legal-change-recorded")

# sender: the LegalDocument registered or edited (fields, status, aliases); kwargs: none.
# Receivers return how many alerts they opened.
legal_document_changed = _signals.signal("legal-document-changed")


# sender: None; kwargs: today (date), actor. The daily run (`qms alerts evaluate`) sends it before the
# rules are applied, so dated work (versions reaching their effective date) is done first; the
# background worker does the same work as soon as the day turns. Receivers return how many items they handled.
daily_run = _signals.signal("daily-run")


def opened_by(results) -> int:
    """Sum what receivers of a `legal_*` signal returned (alerts opened)."""
    return sum(value for _receiver, value in results if isinstance(value, int))
