"""The admin's upload form: shape checks only (the importer decides about the rows)."""
from __future__ import annotations

from pathlib import PurePath

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms.validators import ValidationError

from .parsing import SourceFile, decode_text, looks_like_xlsx

DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def max_upload_bytes() -> int:
    return int(current_app.config.get("LEDGER_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class LedgerUploadForm(FlaskForm):
    files = MultipleFileField(
        _l("Ledger files"),
        description=_l("loans.csv and/or events.csv (UTF-8 or GB18030, recognised by their header row), or one "
                       "XLSX workbook with the sheets loans and events."),
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})

    def validate_files(self, field):
        uploads = [f for f in (field.data or []) if getattr(f, "filename", None)]
        if not uploads:
            raise ValidationError(_l("Choose at least one file."))
        limit = max_upload_bytes()
        sources, total = [], 0
        for upload in uploads:
            name = PurePath(upload.filename.replace("\\", "/")).name[:120] or "upload"
            data = upload.stream.read(limit + 1)
            total += len(data)
            if total > limit:
                raise ValidationError(_l("The files are too large (at most %(mb)s MB together).",
                                         mb=limit // (1024 * 1024)))
            if not data:
                raise ValidationError(_l("%(name)s is empty.", name=name))
            # the type by content, whatever the name says
            if not looks_like_xlsx(data) and decode_text(data) is None:
                raise ValidationError(_l("%(name)s is neither an XLSX workbook nor a CSV text file (UTF-8 or "
                                         "GB18030).", name=name))
            sources.append(SourceFile(name, data))
        workbooks = [s for s in sources if s.is_xlsx]
        if workbooks and len(sources) > 1:
            raise ValidationError(_l("Upload one XLSX workbook alone, or CSV files only."))
        self.sources = sources
