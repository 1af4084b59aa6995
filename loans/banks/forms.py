"""The bank clerk's upload of an event file: shape checks only (the preview decides about rows)."""
from __future__ import annotations

from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.validators import ValidationError

from ..ledger.parsing import SourceFile, decode_text, looks_like_xlsx


class BankFileForm(FlaskForm):
    file = FileField(
        _l("Event file"),
        description=_l("CSV (UTF-8 or GB18030) with the columns loan_ref, date, kind, amount, bank_ref, "
                       "new_maturity and, if you have it, balance; or an XLSX workbook with those columns."),
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})

    def validate_file(self, field):
        upload = field.data
        if not getattr(upload, "filename", None):
            raise ValidationError(_l("Choose a file."))
        name = PurePath(upload.filename.replace("\\", "/")).name[:200] or "upload"
        data = upload.stream.read()
        if not data:
            raise ValidationError(_l("%(name)s is empty.", name=name))
        if not looks_like_xlsx(data) and decode_text(data) is None:
            raise ValidationError(_l("%(name)s is neither an XLSX workbook nor a CSV text file (UTF-8 or "
                                     "GB18030).", name=name))
        self.upload = SourceFile(name, data)
