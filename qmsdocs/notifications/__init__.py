"""Read and understood, notifications (the bell, mail) and following.

Other areas raise a notification with `qmsdocs.notifications.services.notify(user, kind,
subject, body, link)`; see its docstring and docs/document-control.md.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qmsdocs import events, jobs
    from qmsdocs.archive.parts import register_part
    from qmsdocs.notifications import api, archive_part, cli, dispatch, mail, reading, services, web

    mail.configure(app)
    # Receivers run inside the sender's transaction: lines of the distribution log and
    # notifications commit or vanish with the version that raised them.
    events.version_became_current.connect(reading.distribute, weak=False)
    events.version_became_current.connect(dispatch.on_version_became_current, weak=False)
    events.version_added.connect(dispatch.on_version_added, weak=False)
    events.procedure_changed.connect(reading.stop_asking, weak=False)
    events.procedure_changed.connect(dispatch.on_procedure_changed, weak=False)
    events.procedures_moved.connect(reading.sync_moved, weak=False)
    events.change_request_changed.connect(dispatch.on_change_request_changed, weak=False)
    events.legal_change_recorded.connect(dispatch.on_legal_change_recorded, weak=False)
    events.legal_document_changed.connect(dispatch.on_legal_document_changed, weak=False)
    from sqlalchemy import event

    maker = app.extensions["qmsdocs.sessionmaker"]
    event.listen(maker, "after_commit", services.wake_after_commit)
    event.listen(maker, "after_rollback", services.forget_on_rollback)
    jobs.register(jobs.JobKind("mail_outbox", "Gửi thư thông báo", mail.deliver_due, mail.outbox_lag_seconds))
    jobs.register(jobs.JobKind("daily_digest", "Thư tổng hợp hằng ngày", dispatch.send_daily_digests))
    app.register_blueprint(api.bp)
    web.init_app(app)
    cli.register()
    # What `qms export` carries of this area for an agency, and how `qms import-archive` reads it back.
    register_part(archive_part.PART)
