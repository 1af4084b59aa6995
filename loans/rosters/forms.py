"""The admin's upload of one kind's roster: the shape only (the import judges the rows)."""
from __future__ import annotations

from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms.validators import ValidationError

from .queries import KINDS

MAX_BYTES = 32 * 1024 * 1024


class RosterUploadForm(FlaskForm):
    kind = HiddenField()
    file = FileField(_l("Roster file (CSV)"))

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_l("There is no roster of this kind."))

    def validate_file(self, field):
        upload = field.data
        if not getattr(upload, "filename", None):
            raise ValidationError(_l("Choose a file."))
        data = upload.stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ValidationError(_l("The file is too large (at most %(mb)s MB).", mb=MAX_BYTES // (1024 * 1024)))
        if not data:
            raise ValidationError(_l("The file is empty."))
        self.file_name = PurePath(upload.filename.replace("\\", "/")).name[:200] or "roster.csv"
        self.file_bytes = data
