"""Registers of document control: the master lists (danh mục tài liệu) and the forms (biểu mẫu)
each procedure version carries."""


def init_app(app) -> None:
    """Pages and API; forms carried over to new versions, their text given to search, their blobs
    to `qms check`, and the forms beside a procedure file to `qms import`."""
    from qmsdocs import events
    from qmsdocs.archive.parts import register_part
    from qmsdocs.procedures.importer import Companions, register_companions
    from qmsdocs.registers import api, archive_part, forms, routes
    from qmsdocs.search.documents import AttachedText, register_attached_text
    from qmsdocs.storage import register_blob_users

    api.init_app(app)
    routes.init_app(app)
    events.version_added.connect(forms.carry_forms_over, weak=False)
    events.version_forms_uploaded.connect(forms.attach_uploaded_forms, weak=False)
    register_attached_text(AttachedText(forms.form_fingerprints, forms.form_texts))
    register_blob_users(forms.form_blobs)
    # What `qms export` carries of this area for an agency, and how `qms import-archive` reads it back.
    register_part(archive_part.PART)
    register_companions(Companions(forms.form_owner, forms.import_forms))
