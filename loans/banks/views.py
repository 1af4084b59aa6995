"""The bank clerk's event files (SPEC §12): upload, preview, confirm, the files received
and the reconciliation of balances. A clerk sees only their own bank's files; another
bank's is not found (404)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import BANK, allow
from ..auth.models import User
from ..db import db, paginate
from ..errors import on_refusal
from ..labels import LOAN_EVENT
from ..spreadsheets import download
from . import files
from .forms import BankFileForm
from .models import BankFile, BankToken

bp = Blueprint("banks", __name__, url_prefix="/bank/files")

PER_PAGE = 50


def _file_or_404(file_id: int) -> BankFile:
    bank_file = db.session.get(BankFile, file_id)
    if bank_file is None or bank_file.bank_code != current_user.bank_code:
        abort(404)
    return bank_file


def _list_page(form, status=200):
    query = select(BankFile).where(BankFile.bank_code == current_user.bank_code) \
        .order_by(BankFile.created_at.desc(), BankFile.id.desc())
    listed = paginate(query, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("banks/files.html", form=form, rows=listed.items, total=listed.total, page=listed.page,
                           pages=listed.pages, args={}, senders=_senders(listed.items)), status


def _senders(bank_files) -> dict[int, str]:
    """Who sent each file, as a person reads it: a clerk's name, the API token's name, the inbox."""
    user_ids = {f.created_by_id for f in bank_files if f.created_by_id} | \
        {f.confirmed_by_id for f in bank_files if f.confirmed_by_id}
    token_ids = {f.token_id for f in bank_files if f.token_id} | \
        {f.confirmed_token_id for f in bank_files if f.confirmed_token_id}
    users = {u.id: u.name or u.email for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} \
        if user_ids else {}
    tokens = {t.id: t.name for t in db.session.scalars(select(BankToken).where(BankToken.id.in_(token_ids)))} \
        if token_ids else {}
    return {"users": users, "tokens": tokens}


@bp.get("/")
@allow(BANK)
def index():
    return _list_page(BankFileForm())


@bp.post("/")
@allow(BANK)
def upload():
    form = BankFileForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    bank_file = files.preview_file(current_user.bank_code, form.upload.name, form.upload.data, source="clerk",
                                   actor=current_user)
    return redirect(url_for(".show", file_id=bank_file.id), 303)


def _file_page(bank_file: BankFile, status=200):
    return render_template("banks/file.html", bank_file=bank_file, counts=bank_file.preview.get("counts", {}),
                           new=files.rows_with(bank_file, "new", "attached", "replaced"),
                           skipped=files.rows_with(bank_file, "skipped"), refused=files.refused_rows(bank_file),
                           differences=bank_file.preview.get("differences", []), kinds=LOAN_EVENT,
                           senders=_senders([bank_file])), status


@bp.get("/<int:file_id>")
@allow(BANK)
def show(file_id: int):
    return _file_page(_file_or_404(file_id))


@bp.post("/<int:file_id>/confirm")
@allow(BANK)
def confirm(file_id: int):
    bank_file = _file_or_404(file_id)
    on_refusal(lambda: _file_page(_file_or_404(file_id)))
    files.confirm_file(bank_file, actor=current_user)
    flash(_("The file is confirmed: its events are recorded."), "success")
    return redirect(url_for(".show", file_id=bank_file.id), 303)


@bp.get("/<int:file_id>/reconciliation.csv")
@allow(BANK)
def reconciliation(file_id: int):
    bank_file = _file_or_404(file_id)
    return download(files.reconciliation_csv(bank_file), f"reconciliation-{bank_file.bank_code}-{bank_file.id}.csv")
