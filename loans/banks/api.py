"""The bank API, ``/api/v1/bank`` (SPEC §12): a bank's core system signs contracts, declines
cases, records loan events and reads its loans and statement lines with a token.

Every call carries ``Authorization: Bearer <token>`` (401 otherwise); another bank's case
or loan is a 404. The API calls the clerk's services (``servicing.services``), so a rule is
written once; a refusal of theirs for bad input is a 422 here, a state conflict a 409.
Every POST carries an ``Idempotency-Key`` (see ``idempotency``). Errors are
``{"errors": {"field": ["message", …]}}`` in the language of Accept-Language.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import public
from ..applications.models import LoanApplication
from ..core.dates import quarter_period
from ..core.money import format_rate
from ..core.workflow import LOAN_STATUSES
from ..db import db, local_today, utcnow
from ..errors import Refused
from ..extensions import csrf, limiter
from ..core.fund import ClaimStatus
from ..fund import claims
from ..fund.models import CompensationClaim, Recovery
from ..letters.models import Letter
from ..personal_data import vault
from ..servicing import queries as servicing_queries, services as servicing
from ..servicing.models import Loan, LoanEvent
from ..subsidy import queries as subsidy_queries
from ..subsidy.models import FROZEN_STATUSES, SubsidyStatement
from . import files as bank_files, idempotency, schemas, tokens
from .models import BankFile, BankToken

PREFIX = "/api/v1/bank"
bp = Blueprint("bank_api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)

RECORDERS = {
    "disbursement": servicing.record_disbursement,
    "repayment": servicing.record_repayment,
    "overdue_start": servicing.record_overdue_start,
    "overdue_end": servicing.record_overdue_end,
    "extension": servicing.record_extension,
}
# The services name their form fields; the API names its JSON fields.
FIELD_NAMES = {"event_on": "date", "new_maturity_date": "new_maturity", "recovered_on": "date"}


def _token_key() -> str:
    """Rate limits count per token (its hash: the same token, the same count), else per address."""
    header = request.headers.get("Authorization") or ""
    if header.startswith("Bearer "):
        return "bank-token:" + tokens.token_hash(header[len("Bearer "):].strip())
    return "bank-address:" + (request.remote_addr or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_token_key)(bp)


def request_lang() -> str:
    """``zh`` when Accept-Language prefers Chinese, otherwise ``en`` (as the pre-check)."""
    return "zh" if request.accept_languages.best_match(("zh", "en")) == "zh" else "en"


def _flatten(messages) -> list:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [messages]


def errors(problems: dict, status: int, **extra):
    """``{"errors": {field: [message, …]}}`` in the request's language; ``problems`` maps a
    field to problem codes (or sentences)."""
    lang = request_lang()
    out = {}
    for field, codes in problems.items():
        texts = []
        for code in _flatten(codes):
            text = schemas.message(str(code), lang)
            if text not in texts:
                texts.append(text)
        out[field] = texts
    return jsonify({"errors": out, **extra}), status


def _unknown_parameters(*allowed: str):
    """A 400 naming query parameters the call does not take, or None."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        return errors({name[:40]: ["unknown_parameter"] for name in unknown[:10]}, 400)
    return None


def _not_found():
    return errors({"request": ["not_found"]}, 404)


def _unauthenticated():
    response, status = errors({"auth": ["unauthenticated"]}, 401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="bank api"'
    return response, status


def actor() -> tokens.TokenActor:
    return g.bank_actor


# --- authentication and idempotency -------------------------------------------------------

def _peek(header: str | None, address: str | None) -> BankToken | None:
    """The token a request would be authenticated with, read only (the idempotency key is
    reserved before the request writes anything, ``last_used`` included)."""
    if not header or not header.startswith("Bearer "):
        return None
    secret = header[len("Bearer "):].strip()
    if not secret.startswith(tokens.PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(BankToken).where(BankToken.token_hash == tokens.token_hash(secret)))
    if token is None or not token.usable(utcnow()) or not tokens._allowed(token, address):
        return None
    return token


def _compared_body() -> bytes:
    """What a replay must repeat: the JSON body, or for a file its name and bytes (a
    multipart body's boundary differs from one sending to the next)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            return b"multipart:no file"
        data = upload.read()
        upload.seek(0)
        return b"file:" + (upload.filename or "").encode("utf-8") + b"\n" + hashlib.sha256(data).hexdigest().encode()
    return request.get_data()


@bp.before_request
def authenticate():
    header, address = request.headers.get("Authorization"), request.remote_addr
    if request.method == "POST":
        token = _peek(header, address)
        if token is None:
            return _unauthenticated()
        key = request.headers.get("Idempotency-Key")
        if not idempotency.valid_key(key):
            return errors({"Idempotency-Key": ["idempotency_key_missing"]}, 400)
        bank_code, token_id = token.bank_code, token.id
        db.session.rollback()  # end the read before the key's own transaction (SQLite locks the file)
        reservation = idempotency.reserve(
            bank_code, key, method=request.method, path=request.path,
            body_sha256=idempotency.fingerprint(request.method, request.path, _compared_body()), token_id=token_id)
        if reservation.outcome == "replay":
            response = current_app.response_class(reservation.body, status=reservation.status,
                                                  mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if reservation.outcome == "other_request":
            return errors({"Idempotency-Key": ["idempotency_key_reused"]}, 422)
        if reservation.outcome == "in_flight":
            return errors({"Idempotency-Key": ["idempotency_in_flight"]}, 409)
        g.idempotency_row = reservation.row_id
    found = tokens.authenticate(header, address)
    if found is None:  # revoked (or expired) since the look above: the key stays free
        row_id = g.pop("idempotency_row", None)
        if row_id is not None:
            db.session.rollback()
            idempotency.release(row_id)
        return _unauthenticated()
    g.bank_actor = found
    return None


@bp.after_request
def keep_answer(response):
    """The first answer to a key, kept after the request's unit of work ended."""
    row_id = g.pop("idempotency_row", None)
    if row_id is not None:
        if db.session().in_transaction():
            db.session.rollback()  # the view's work is committed already, or was refused
        idempotency.finish(row_id, response.status_code, response.get_data(as_text=True))
    return response


@bp.teardown_request
def free_key(exc):
    row_id = g.pop("idempotency_row", None)
    if row_id is not None:  # the request ended without an answer (an unexpected error)
        db.session.rollback()
        idempotency.release(row_id)


@bp.errorhandler(Refused)
def refused(error: Refused):
    """A service's refusal: bad input is a 422 here (the request was well-formed), a state
    conflict 409, not the bank's to do 403. Nothing the request prepared is kept."""
    db.session.rollback()
    with force_locale(request_lang()):
        text = str(error.message)
    status = 422 if error.status == 400 else error.status
    return jsonify({"errors": {FIELD_NAMES.get(error.field, error.field) or "request": [text]}}), status


def _json_body(schema):
    """(data, None) or (None, the 400/422 answer)."""
    payload = request.get_json(force=True, silent=True)
    if payload is None:
        return None, errors({"json": ["malformed_json"]}, 400)
    if not isinstance(payload, dict):
        return None, errors({"json": ["not_object"]}, 400)
    try:
        return schema.load(payload), None
    except ValidationError as exc:
        return None, errors(exc.messages, 422)


# --- cases ----------------------------------------------------------------------------------

def _approval_references(application_ids) -> dict[int, str]:
    if not application_ids:
        return {}
    return dict(db.session.execute(select(Letter.application_id, Letter.reference).where(
        Letter.application_id.in_(application_ids), Letter.kind == "approval")).all())


def _case_dict(application, letter_reference) -> dict:
    return {"reference": application.reference, "letter_reference": letter_reference,
            "name": application.full_name or "", "id_number_masked": application.id_number_masked or "",
            "amount": application.approved_amount, "term_months": application.approved_term_months,
            "valid_until": application.valid_until_date}


def _case_or_none(reference: str) -> LoanApplication | None:
    return db.session.scalar(select(LoanApplication).where(
        LoanApplication.reference == reference, LoanApplication.approved_bank_code == actor().bank_code,
        LoanApplication.approved_amount.is_not(None)))


@bp.get("/cases")
@public
def cases():
    """The bank's approved cases awaiting a contract, soonest validity end first."""
    if problem := _unknown_parameters():
        return problem
    rows, total = servicing_queries.awaiting_contract(actor())
    letters = _approval_references([a.id for a in rows])
    body = {"cases": [_case_dict(a, letters.get(a.id)) for a in rows], "total": total}
    return jsonify(schemas.CaseListSchema().dump(body))


@bp.post("/cases/<reference>/contract")
@public
def contract(reference: str):
    application = _case_or_none(reference)
    if application is None:
        return _not_found()
    data, problem = _json_body(schemas.ContractRequestSchema())
    if problem:
        return problem
    given = data["id_number"].strip().upper()
    if application.id_number_hash is None or vault().lookup_hash(given) != application.id_number_hash:
        return errors({"id_number": ["id_number_mismatch"]}, 422)
    terms = servicing.ContractTerms(contract_no=data["contract_no"], contract_date=data["contract_date"],
                                    amount=data["amount"], term_months=data["term_months"],
                                    contract_rate=data["contract_rate"])
    loan, warnings = servicing.record_contract(application, terms, actor=actor())
    body = schemas.ContractResponseSchema().dump({**_loan_dict(loan, with_events=True), "warnings": warnings})
    return jsonify(body), 201


@bp.post("/cases/<reference>/decline")
@public
def decline(reference: str):
    application = _case_or_none(reference)
    if application is None:
        return _not_found()
    data, problem = _json_body(schemas.DeclineRequestSchema())
    if problem:
        return problem
    servicing.decline_case(application, actor=actor(), reason=data["reason"])
    return jsonify(schemas.DeclineResponseSchema().dump({"reference": application.reference,
                                                         "status": str(application.status)}))


# --- loans ------------------------------------------------------------------------------------

def _event_dict(event: LoanEvent) -> dict:
    return {"id": event.id, "date": event.event_on, "kind": str(event.kind), "amount": event.amount,
            "new_maturity": event.new_maturity_date, "bank_ref": event.bank_ref, "source": event.source,
            "recorded_at": event.created_at}


def _loan_dict(loan: Loan, *, with_events: bool, balance: Decimal | None = None) -> dict:
    events = list(loan.events) if with_events or balance is None else []
    body = {"loan_ref": loan.loan_ref, "contract_no": loan.contract_no, "contract_date": loan.contract_date,
            "status": str(loan.status), "amount": loan.amount, "contract_rate": format_rate(loan.contract_rate),
            "term_months": loan.term_months, "maturity": servicing.effective_maturity(loan),
            "contract_maturity": loan.maturity_date,
            "balance": balance if balance is not None else servicing.balance_on(events, local_today())}
    if with_events:
        body["events"] = [_event_dict(e) for e in events]
    return body


def _loan_or_none(loan_ref: str) -> Loan | None:
    return db.session.scalar(servicing_queries.visible_loans(actor()).where(Loan.loan_ref == loan_ref))


@bp.get("/loans")
@public
def loans():
    if problem := _unknown_parameters("status", "page"):
        return problem
    status = request.args.get("status", "")
    if status and status not in {s.value for s in LOAN_STATUSES}:
        return errors({"status": ["invalid_status"]}, 400)
    page_text = request.args.get("page", "1")
    if not page_text.isascii() or not page_text.isdigit() or not 1 <= int(page_text) <= 10**6:
        return errors({"page": ["invalid_page"]}, 400)
    rows, _counts, balances = servicing_queries.loans_page(actor(), servicing_queries.LoanFilters(status=status),
                                                          int(page_text))
    body = {"loans": [_loan_dict(loan, with_events=False, balance=balances.get(loan.id, Decimal(0)))
                      for loan in rows.items],
            "page": rows.page, "pages": rows.pages, "total": rows.total}
    return jsonify(schemas.LoanListSchema().dump(body))


@bp.get("/loans/<loan_ref>")
@public
def loan(loan_ref: str):
    if problem := _unknown_parameters():
        return problem
    found = _loan_or_none(loan_ref)
    if found is None:
        return _not_found()
    return jsonify(schemas.LoanSchema().dump(_loan_dict(found, with_events=True)))


def _recorded_by_ref(bank_ref: str) -> LoanEvent | None:
    return db.session.scalar(select(LoanEvent).where(LoanEvent.bank_code == actor().bank_code,
                                                     LoanEvent.bank_ref == bank_ref))


def _same_values(event: LoanEvent, loan: Loan, data: dict) -> bool:
    return (event.loan_id == loan.id and event.event_on == data["date"] and str(event.kind) == data["kind"]
            and event.amount == (data["amount"] if data["kind"] in schemas.MONEY_KINDS else None)
            and event.new_maturity_date == (data["new_maturity"] if data["kind"] == "extension" else None))


def _bank_ref_conflict(event: LoanEvent, loan: Loan, data: dict):
    recorded = schemas.EventSchema().dump(_event_dict(event))
    if _same_values(event, loan, data):
        return errors({"bank_ref": ["bank_ref_recorded"]}, 409, recorded=recorded)
    sent = {"loan_ref": loan.loan_ref, "date": data["date"].isoformat(), "kind": data["kind"],
            "amount": schemas.AmountField()._serialize(data["amount"], None, None),
            "new_maturity": data["new_maturity"].isoformat() if data["new_maturity"] else None,
            "bank_ref": data["bank_ref"]}
    if event.loan_id != loan.id:
        recorded["loan_ref"] = event.loan.loan_ref
    else:
        recorded["loan_ref"] = loan.loan_ref
    return errors({"bank_ref": ["bank_ref_other_values"]}, 409, recorded=recorded, sent=sent)


@bp.post("/loans/<loan_ref>/events")
@public
def record_event(loan_ref: str):
    found = _loan_or_none(loan_ref)
    if found is None:
        return _not_found()
    data, problem = _json_body(schemas.EventRequestSchema())
    if problem:
        return problem
    kind, bank_ref = data["kind"], data["bank_ref"]
    if bank_ref is not None:
        recorded = _recorded_by_ref(bank_ref)
        if recorded is not None:
            return _bank_ref_conflict(recorded, found, data)
    values = {"on": data["date"], "expected_version": None, "note": data["note"], "bank_ref": bank_ref,
              "source": "api"}
    if kind in schemas.MONEY_KINDS:
        values["amount"] = data["amount"]
    if kind == "extension":
        values["new_maturity_date"] = data["new_maturity"]
    try:
        event = RECORDERS[kind](found, actor=actor(), **values)
    except IntegrityError:  # the same bank_ref, recorded by a request running at the same time
        db.session.rollback()
        recorded = _recorded_by_ref(bank_ref) if bank_ref is not None else None
        if recorded is None:
            raise Refused(servicing.STALE_MESSAGE, status=409) from None
        found = _loan_or_none(loan_ref)
        return _bank_ref_conflict(recorded, found, data)
    return jsonify(schemas.EventSchema().dump(_event_dict(event))), 201


# --- compensation claims and recoveries (SPEC §13) --------------------------------------------

def _recovery_dict(recovery) -> dict:
    return {"id": recovery.id, "date": recovery.recovered_on, "amount": recovery.amount,
            "fund_share": recovery.fund_share, "bank_share": recovery.bank_share, "bank_ref": recovery.bank_ref}


def _claim_dict(claim) -> dict:
    recoveries = list(claim.recoveries)
    return {"id": claim.id, "loan_ref": claim.loan.loan_ref, "status": str(claim.status), "legacy": claim.legacy,
            "claim_date": claim.claim_date, "overdue_since": claim.overdue_since, "principal": claim.principal,
            "interest": claim.interest, "total": claim.total, "share_pct": format_rate(claim.share_pct),
            "fund_share": claim.fund_share, "bank_share": claim.bank_share, "bank_ref": claim.bank_ref,
            "note": claim.note, "paid_on": claim.paid_on, "cancel_reason": claim.cancel_reason,
            "recovered": sum((r.amount for r in recoveries), Decimal(0)),
            "recoveries": [_recovery_dict(r) for r in recoveries]}


def _claim_answer(claim, status: int = 200):
    return jsonify(schemas.ClaimSchema().dump(_claim_dict(claim))), status


def _recorded(bank_ref: str | None, model, dump):
    """409 with what was recorded when this bank already used ``bank_ref`` on a ``model`` row."""
    if bank_ref is None:
        return None
    found = db.session.scalar(select(model).where(model.bank_code == actor().bank_code, model.bank_ref == bank_ref))
    if found is None:
        return None
    return errors({"bank_ref": ["claim_bank_ref_recorded"]}, 409, recorded=dump(found))


@bp.get("/loans/<loan_ref>/claims")
@public
def loan_claims(loan_ref: str):
    if problem := _unknown_parameters():
        return problem
    found = _loan_or_none(loan_ref)
    if found is None:
        return _not_found()
    listed = claims.claims_of_loan(found, actor())
    return jsonify(schemas.ClaimListSchema().dump({"claims": [_claim_dict(c) for c in listed]}))


@bp.post("/loans/<loan_ref>/claims")
@public
def file_claim(loan_ref: str):
    found = _loan_or_none(loan_ref)
    if found is None:
        return _not_found()
    data, problem = _json_body(schemas.ClaimRequestSchema())
    if problem:
        return problem
    if conflict := _recorded(data["bank_ref"], CompensationClaim, lambda c: schemas.ClaimSchema().dump(_claim_dict(c))):
        return conflict
    try:
        claim = claims.file_claim(found, data["claim_date"], actor(), bank_ref=data["bank_ref"], note=data["note"])
    except IntegrityError:  # the same bank_ref, filed by a request running at the same time
        db.session.rollback()
        return _recorded(data["bank_ref"], CompensationClaim,
                         lambda c: schemas.ClaimSchema().dump(_claim_dict(c))) or _stale()
    return _claim_answer(claim, 201)


def _stale():
    raise Refused(servicing.STALE_MESSAGE, status=409)


@bp.post("/loans/<loan_ref>/recoveries")
@public
def record_recovery(loan_ref: str):
    found = _loan_or_none(loan_ref)
    if found is None:
        return _not_found()
    data, problem = _json_body(schemas.RecoveryRequestSchema())
    if problem:
        return problem
    if conflict := _recorded(data["bank_ref"], Recovery, lambda r: schemas.RecoverySchema().dump(_recovery_dict(r))):
        return conflict
    claim = next((c for c in claims.claims_of_loan(found, actor()) if c.status == ClaimStatus.paid), None)
    if claim is None:
        return errors({"request": ["no_paid_claim"]}, 409)
    try:
        recovery = claims.record_recovery(claim, data["date"], data["amount"], actor(), bank_ref=data["bank_ref"],
                                          note=data["note"])
    except IntegrityError:
        db.session.rollback()
        return _recorded(data["bank_ref"], Recovery,
                         lambda r: schemas.RecoverySchema().dump(_recovery_dict(r))) or _stale()
    return jsonify(schemas.RecoverySchema().dump(_recovery_dict(recovery))), 201


# --- files ----------------------------------------------------------------------------------

def _file_answer(bank_file: BankFile, status: int):
    with force_locale(request_lang()):
        body = bank_files.bank_file_json(bank_file)
    return jsonify(schemas.BankFileSchema().dump(body)), status


@bp.post("/files")
@public
def upload_file():
    """A file of events (SPEC §12 Files), as the multipart part ``file``: read and previewed,
    nothing applied yet; 201 with its id and the preview. The same file again gives the
    same record."""
    upload = request.files.get("file")
    if upload is None:
        return errors({"file": ["file_missing"]}, 400)
    bank_file = bank_files.preview_file(actor().bank_code, upload.filename or "events.csv", upload.read(),
                                        source="api", actor=actor())
    return _file_answer(bank_file, 201)


@bp.post("/files/<int:file_id>/confirm")
@public
def confirm_file(file_id: int):
    """Apply a previewed file, all or nothing (409 if it has refused rows or was confirmed)."""
    bank_file = db.session.scalar(select(BankFile).where(BankFile.id == file_id,
                                                         BankFile.bank_code == actor().bank_code))
    if bank_file is None:
        return _not_found()
    bank_files.confirm_file(bank_file, actor=actor())
    return _file_answer(bank_file, 200)


# --- statements -----------------------------------------------------------------------------

def _line_dict(line) -> dict:
    return {"loan_ref": line.loan_ref, "borrower": line.borrower_masked,
            "contract_rate": format_rate(line.contract_rate), "lpr_rate": format_rate(line.lpr_rate),
            "subsidy_rate": str(line.subsidy_rate), "subsidised_days": line.subsidised_days,
            "balance_days": f"{line.balance_days:.2f}", "subsidy": line.subsidy, "interest": line.interest}


def _adjustment_dict(adjustment) -> dict:
    return {"loan_ref": adjustment.loan_ref, "original_period": adjustment.original_period,
            "frozen_subsidy": adjustment.frozen_subsidy, "recomputed_subsidy": adjustment.recomputed_subsidy,
            "adjustment": adjustment.adjustment}


@bp.get("/statements")
@public
def statements():
    """The bank's statements of a period once reviewed (reviewed, approved or paid), with their lines."""
    if problem := _unknown_parameters("period"):
        return problem
    period = (request.args.get("period") or "").strip().upper()
    try:
        quarter_period(period)
    except ValueError:
        return errors({"period": ["invalid_period"]}, 400)
    rows = db.session.scalars(select(SubsidyStatement).where(
        SubsidyStatement.period == period, SubsidyStatement.bank_code == actor().bank_code,
        SubsidyStatement.status.in_([s.value for s in FROZEN_STATUSES]))
        .order_by(SubsidyStatement.version.desc())).all()
    body = {"statements": [{"period": s.period, "version": s.version, "status": str(s.status), "total": s.total,
                            "lines": [_line_dict(line) for line in subsidy_queries.all_lines(s)],
                            "adjustments": [_adjustment_dict(a) for a in subsidy_queries.all_adjustments(s)]}
                           for s in rows]}
    return jsonify(schemas.StatementListSchema().dump(body))


# --- the OpenAPI description ------------------------------------------------------------------

def _json(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_to_spec(spec) -> None:
    """Describe every bank endpoint in ``spec`` (apispec, with the marshmallow plugin)."""
    spec.components.security_scheme("bankToken", {
        "type": "http", "scheme": "bearer",
        "description": "A bank token (lb_…) issued by an administrator: `flask --app wsgi banks token create`."})
    for name, schema in (("BankCase", schemas.CaseSchema), ("BankCaseList", schemas.CaseListSchema),
                         ("BankContractRequest", schemas.ContractRequestSchema),
                         ("BankDeclineRequest", schemas.DeclineRequestSchema),
                         ("BankDeclineResponse", schemas.DeclineResponseSchema),
                         ("BankEventRequest", schemas.EventRequestSchema), ("BankEvent", schemas.EventSchema),
                         ("BankLoanSummary", schemas.LoanSummarySchema), ("BankLoan", schemas.LoanSchema),
                         ("BankContractResponse", schemas.ContractResponseSchema),
                         ("BankLoanList", schemas.LoanListSchema), ("BankStatementLine", schemas.StatementLineSchema),
                         ("BankStatementAdjustment", schemas.StatementAdjustmentSchema),
                         ("BankStatement", schemas.StatementSchema), ("BankStatementList", schemas.StatementListSchema),
                         ("BankErrors", schemas.ErrorSchema), ("BankConflict", schemas.ConflictSchema),
                         ("BankFile", schemas.BankFileSchema),
                         ("BankClaimRequest", schemas.ClaimRequestSchema), ("BankClaim", schemas.ClaimSchema),
                         ("BankClaimList", schemas.ClaimListSchema),
                         ("BankRecoveryRequest", schemas.RecoveryRequestSchema),
                         ("BankRecovery", schemas.RecoverySchema),
                         ("BankRecordedConflict", schemas.RecordedConflictSchema)):
        spec.components.schema(name, schema=schema)
    security = [{"bankToken": []}]
    lang = {"in": "header", "name": "Accept-Language", "required": False, "schema": {"type": "string"},
            "example": "zh-CN"}
    key = {"in": "header", "name": "Idempotency-Key", "required": True,
           "schema": {"type": "string", "pattern": schemas.VISIBLE, "minLength": 1, "maxLength": 64},
           "description": "Scoped per bank: a replay of the same request gets the first answer and changes nothing."}
    common = {"401": _json("BankErrors", "No valid token (missing, unknown, expired, revoked or address not allowed)."),
              "429": _json("BankErrors", "Rate limit of the token exceeded.")}
    posting = {"400": _json("BankErrors", "Malformed JSON or a missing Idempotency-Key."),
               "404": _json("BankErrors", "No such case or loan of the token's bank."),
               "409": _json("BankConflict", "The state does not allow it now, the bank_ref is already recorded, "
                                            "or the first request with this key is still being answered."),
               "422": _json("BankErrors", "A business rule refuses, or the key was used for another request."),
               **common}

    def path_param(name, description):
        return {"in": "path", "name": name, "required": True, "schema": {"type": "string"},
                "description": description}

    # Where one answer leads (OpenAPI links): a listed case to its contract or decline, a loan
    # to its page and events, an uploaded file to its confirmation.
    def link(operation_id, **parameters):
        return {"operationId": operation_id, "parameters": parameters}

    def linked(response, **links):
        return {**response, "links": links}

    case_ref = path_param("reference", "The application reference, such as A2026-000123.")
    loan_ref = path_param("loan_ref", "The loan reference (the application's, for a loan from one).")

    def post(operation_id, summary, request_schema, ok_status, ok, params, description=""):
        return {"post": {"operationId": operation_id, "summary": summary, "description": description,
                         "tags": ["bank"], "security": security, "parameters": [*params, key, lang],
                         "requestBody": {"required": True,
                                         "content": {"application/json": {"schema": request_schema}}},
                         "responses": {ok_status: ok, **posting}}}

    def get(operation_id, summary, ok, params=(), extra=None, description=""):
        return {"get": {"operationId": operation_id, "summary": summary, "description": description,
                        "tags": ["bank"], "security": security, "parameters": [*params, lang],
                        "responses": {"200": ok, **(extra or {}), **common}}}

    bad_query = {"400": _json("BankErrors", "A query parameter is not valid, or not one the call takes.")}
    spec.path(path=f"{PREFIX}/cases", operations=get(
        "bankCases", "Approved cases awaiting the bank's contract",
        linked(_json("BankCaseList", "At most 50, soonest validity end first."),
               contract=link("bankContract", reference="$response.body#/cases/0/reference"),
               decline=link("bankDecline", reference="$response.body#/cases/0/reference")), extra=bad_query))
    spec.path(path=f"{PREFIX}/cases/{{reference}}/contract", operations=post(
        "bankContract", "Record the contract signed on an approved case", "BankContractRequest", "201",
        linked(_json("BankContractResponse", "The loan, in status contracted; its maturity derived from the term."),
               loan=link("bankLoan", loan_ref="$response.body#/loan_ref"),
               event=link("bankLoanEvent", loan_ref="$response.body#/loan_ref")),
        [case_ref], "The amount may not exceed the approved one; id_number must be the case's."))
    spec.path(path=f"{PREFIX}/cases/{{reference}}/decline", operations=post(
        "bankDecline", "Decline an approved case", "BankDeclineRequest", "200",
        _json("BankDeclineResponse", "The case is declined; the applicant is told."), [case_ref]))
    status_param = {"in": "query", "name": "status", "required": False,
                    "schema": {"type": "string", "enum": [s.value for s in LOAN_STATUSES]}}
    page_param = {"in": "query", "name": "page", "required": False,
                  "schema": {"type": "integer", "minimum": 1, "maximum": 10**6}}
    spec.path(path=f"{PREFIX}/loans", operations=get(
        "bankLoans", "The bank's loans, newest contract first, 25 a page",
        linked(_json("BankLoanList", "One page of loans."),
               loan=link("bankLoan", loan_ref="$response.body#/loans/0/loan_ref"),
               event=link("bankLoanEvent", loan_ref="$response.body#/loans/0/loan_ref")),
        [status_param, page_param], bad_query))
    spec.path(path=f"{PREFIX}/loans/{{loan_ref}}", operations=get(
        "bankLoan", "One loan: status, balance today, maturity and events",
        linked(_json("BankLoan", "The loan."), event=link("bankLoanEvent", loan_ref="$response.body#/loan_ref")),
        [loan_ref], {**bad_query, "404": _json("BankErrors", "No such loan of the token's bank.")}))
    spec.path(path=f"{PREFIX}/loans/{{loan_ref}}/events", operations=post(
        "bankLoanEvent", "Record a disbursement, repayment, overdue start or end, or an extension",
        "BankEventRequest", "201", _json("BankEvent", "The event as recorded."), [loan_ref],
        "The clerk's checks apply. amount and bank_ref are required for money kinds, new_maturity for "
        "an extension. A bank_ref already recorded gives 409 with the recorded event (and what was sent, "
        "when its values differ). Compensation is not an event: the bank files a claim (kind compensation is "
        "a 422)."))
    recorded_conflict = _json("BankRecordedConflict", "The state does not allow it now, the bank_ref is already "
                                                      "recorded (see recorded), or the first request with this key "
                                                      "is still being answered.")
    file_claim = post("bankFileClaim", "File a compensation claim on an overdue loan", "BankClaimRequest", "201",
                      _json("BankClaim", "The claim, filed, with its amounts."), [loan_ref],
                      "Once the waiting days (90) after the first overdue day have passed. An officer checks it, a "
                      "city-wide supervisor approves it and finance pays it; a repayment or the end of the overdue "
                      "period cancels a pending claim.")
    file_claim["post"]["responses"]["409"] = recorded_conflict
    spec.path(path=f"{PREFIX}/loans/{{loan_ref}}/claims", operations={**file_claim, **get(
        "bankLoanClaims", "The loan's compensation claims, their state, amounts and recoveries",
        _json("BankClaimList", "Newest first."), [loan_ref],
        {"404": _json("BankErrors", "No such loan of the token's bank.")})})
    recovery = post("bankRecovery", "Record money recovered on a compensated or written-off loan",
                    "BankRecoveryRequest", "201", _json("BankRecovery", "The recovery and its shares."), [loan_ref],
                    "On the loan's paid claim, shared back as the claim was; recoveries never exceed the claim.")
    recovery["post"]["responses"]["409"] = recorded_conflict
    spec.path(path=f"{PREFIX}/loans/{{loan_ref}}/recoveries", operations=recovery)
    file_body = {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description":
                                "CSV (UTF-8 or GB18030) or XLSX: loan_ref,date,kind,amount,bank_ref,new_maturity,"
                                "balance (docs/examples)."}}}}}
    upload = post("bankFileUpload", "Send a file of events: read and previewed, nothing applied yet", None, "201",
                  linked(_json("BankFile", "The preview: new, skipped and refused rows, balance differences."),
                         confirm=link("bankFileConfirm", file_id="$response.body#/id")), [],
                  "The same file (same bytes) again gives the same record; a confirmed one changes nothing.")
    upload["post"]["requestBody"] = {"required": True, "content": file_body}
    upload["post"]["responses"]["413"] = _json("BankErrors", "The file is larger than 10 MB.")
    spec.path(path=f"{PREFIX}/files", operations=upload)
    confirm = post("bankFileConfirm", "Apply a previewed file, all or nothing", None, "200",
                   _json("BankFile", "The file as applied."),
                   [{"in": "path", "name": "file_id", "required": True, "schema": {"type": "integer"},
                     "description": "The id the upload answered."}],
                   "Refused (409) when a row is refused or the file was already confirmed.")
    del confirm["post"]["requestBody"]
    spec.path(path=f"{PREFIX}/files/{{file_id}}/confirm", operations=confirm)
    period_param = {"in": "query", "name": "period", "required": True,
                    "schema": {"type": "string", "pattern": r"^[0-9]{4}Q[1-4]$", "example": "2025Q1"}}
    spec.path(path=f"{PREFIX}/statements", operations=get(
        "bankStatements", "The bank's subsidy statement lines of a period, once reviewed",
        _json("BankStatementList", "Reviewed, approved or paid statements of the period (newest version first)."),
        [period_param], bad_query))

