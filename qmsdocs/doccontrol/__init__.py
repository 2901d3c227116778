"""Document control (kiểm soát tài liệu): change requests, effective dates of versions, four-eyes approval."""

from __future__ import annotations


def init_app(app) -> None:
    from qmsdocs import events, jobs
    from qmsdocs.archive.parts import register_part
    from qmsdocs.doccontrol import api, archive_part, effective, routes, services
    from qmsdocs.storage import register_blob_users

    # Runs inside the upload's transaction: a wrong request number refuses the upload.
    events.version_added.connect(services.on_version_added, weak=False)
    events.daily_run.connect(effective.on_daily_run, weak=False)
    jobs.register(jobs.JobKind("effective_dates", "Phiên bản đến ngày hiệu lực", effective.worker_step))
    register_blob_users(services.attachment_blobs)
    # What `qms export` carries of this area for an agency, and how `qms import-archive` reads it back.
    register_part(archive_part.PART)
    app.register_blueprint(api.bp)
    app.register_blueprint(routes.bp)
    app.add_template_global(services.requests_for_procedure, "change_requests_for")
    app.add_template_global(services.accepted_for_procedure, "accepted_change_requests")
    app.add_template_global(lambda version: services.request_of_version(version.id), "change_request_of")
    app.add_template_global(True, "change_request_button")
