"""``/api/v1``: the eligibility pre-check (SPEC §10) and its OpenAPI document."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, render_template, request
from marshmallow import ValidationError

from ..access import public
from ..banks import api as bank_api
from ..core.eligibility import to_dict
from ..eligibility.services import PrecheckInput, precheck_problems, run_precheck
from ..extensions import csrf, limiter
from . import schemas
from .messages import message

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PRECHECK_PATH = "/api/v1/eligibility/precheck"


def request_lang() -> str:
    """``zh`` when Accept-Language prefers Chinese, otherwise ``en`` (SPEC §10)."""
    return "zh" if request.accept_languages.best_match(("zh", "en")) == "zh" else "en"


def _flatten(messages) -> list[str]:
    """Marshmallow nests list-item errors by index; the API reports one flat list per field."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [messages]


def _error_response(problems: dict, lang: str):
    errors = {}
    for field, codes in problems.items():
        texts = []
        for code in _flatten(codes):
            text = message(code[0], lang, **code[1]) if isinstance(code, tuple) else message(str(code), lang)
            if text not in texts:
                texts.append(text)
        errors[field] = texts
    return jsonify(schemas.ErrorSchema().dump({"errors": errors})), 400


@bp.post("/eligibility/precheck")
@public
@limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])
def precheck():
    """Answers the 14 rules of SPEC §6 for a would-be applicant, without records."""
    lang = request_lang()
    payload = request.get_json(force=True, silent=True)
    if payload is None:
        return _error_response({"json": [("malformed_json", {})]}, lang)
    if not isinstance(payload, dict):
        return _error_response({"json": [("not_object", {})]}, lang)
    try:
        data = schemas.PrecheckRequestSchema().load(payload)
    except ValidationError as exc:
        return _error_response(exc.messages, lang)
    answers = PrecheckInput(
        application_date=data["application_date"], key_groups=tuple(data["key_groups"] or ()),
        loan_type=data["loan_type"], amount=data["amount"], term_months=data["term_months"],
        district_code=data["district_code"], id_number=data["id_number"], birth_date=data["birth_date"],
        sex=data["sex"], graduation_date=data["graduation_date"], partners=data["partners"],
        prior_subsidized_loans=data["prior_subsidized_loans"], prior_overdue=data["prior_overdue"],
        other_loans=data["other_loans"], staff=data["staff"], new_key_group_hires=data["new_key_group_hires"])
    problems = precheck_problems(answers)
    if problems:
        return _error_response(problems, lang)
    result = run_precheck(answers)
    return jsonify(schemas.PrecheckResponseSchema().dump(to_dict(result, lang)))


def openapi_spec() -> APISpec:
    """The OpenAPI 3 document, built by apispec from the marshmallow schemas."""
    spec = APISpec(
        title="Chenzhou entrepreneurship guaranteed loans API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Public eligibility pre-check (SPEC §10) and the bank connection (SPEC §12, "
                             "under /api/v1/bank, with a bank token). Messages follow Accept-Language: "
                             "zh gives Chinese, anything else English."},
    )
    spec.components.schema("PrecheckRequest", schema=schemas.PrecheckRequestSchema)
    spec.components.schema("RuleResult", schema=schemas.RuleResultSchema)
    spec.components.schema("PrecheckResponse", schema=schemas.PrecheckResponseSchema)
    spec.components.schema("Errors", schema=schemas.ErrorSchema)
    error = {"content": {"application/json": {"schema": "Errors"}}}
    spec.path(
        path=PRECHECK_PATH,
        operations={"post": {
            "operationId": "eligibilityPrecheck",
            "summary": "Check eligibility without an account",
            "description": "Runs every eligibility rule E01–E14 on the policy version in force on "
                           "application_date. E14 and the per-partner part of E13 are not applicable.",
            "parameters": [{"in": "header", "name": "Accept-Language", "required": False,
                            "schema": {"type": "string"}, "example": "zh-CN"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": "PrecheckRequest"}}},
            "responses": {
                "200": {"description": "One result per rule.",
                        "content": {"application/json": {"schema": "PrecheckResponse"}}},
                "400": {"description": "Malformed JSON or invalid fields.", **error},
                "429": {"description": "Rate limit exceeded.", **error},
            },
        }},
    )
    bank_api.add_to_spec(spec)
    return spec


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_spec().to_dict())


def _resolve(document: dict, schema: dict | None) -> tuple[str | None, dict]:
    """(the component's name, its schema) for a ``$ref`` (or the schema itself)."""
    if not schema:
        return None, {}
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, document["components"]["schemas"].get(name, {})
    return None, schema


@bp.get("/docs")
@public
def docs():
    """The API's reference, rendered here from the OpenAPI document (no CDN, no script)."""
    document = openapi_spec().to_dict()
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append({"path": path, "method": method.upper(), "operation": operation,
                               "request": _resolve(document, body)})
    return render_template("api/docs.html", document=document, operations=operations, resolve=_resolve)
