"""Schemathesis against the bank API's part of the OpenAPI document, in-process (WSGI), with a
valid bank token: no 500, and every answer matches the document (status, content type,
schema). Small and deterministic: a couple of dozen examples per operation."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from loans.banks.idempotency import valid_key
from loans.banks.tokens import issue_token
from loans.db import db

KEYS = itertools.count(1)


@pytest.fixture
def bank_api_schema(app, approved, contracted):
    """The app's own document, loaded through its WSGI interface, bank operations only; the
    world has an approved case and a contracted loan of the token's bank."""
    case = approved(decided_on=date(2025, 1, 10))
    loan = contracted(contract_date=date(2025, 1, 15))
    _token, secret = issue_token("ICBC-CZ", "schemathesis")
    db.session.commit()
    app.config["BANK_API_TEST"] = {"token": secret, "reference": case.reference, "loan_ref": loan.loan_ref}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("bank_api_schema").include(operation_id_regex="^bank")


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_bank_api_matches_its_document(case, app):
    world = app.config["BANK_API_TEST"]
    # The world's own case and loan, so that bodies reach the business rules (unknown
    # references are a 404: tests/banks/test_api.py), and a fresh key for each valid one (a
    # key reused for another body is a 422 before anything else is looked at).
    for name in ("reference", "loan_ref"):
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = world[name]
    if case.headers and valid_key(case.headers.get("Idempotency-Key")):
        case.headers["Idempotency-Key"] = f"st-{next(KEYS)}"
    # A schema-valid request may still be refused by a business rule (422: an amount above the
    # approval, a date in the future): that check does not apply.
    case.call_and_validate(headers={"Authorization": f"Bearer {world['token']}"},
                           excluded_checks=[positive_data_acceptance])


def test_stateful_sequences_follow_the_documents_links(bank_api_schema, app):
    """Schemathesis follows the document's links (a listed loan → its page → its events, a
    contract → its loan, an upload → its confirmation): no 500 and no mismatch on the way."""
    world = app.config["BANK_API_TEST"]
    schema = bank_api_schema.include(operation_id_regex="^bank")

    @schema.auth()
    class BankToken:
        def get(self, case, context):
            return world["token"]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    class BankAPI(schema.as_state_machine()):
        def before_call(self, case):
            if case.method.upper() == "POST":
                case.headers = {**(case.headers or {}), "Idempotency-Key": f"sf-{next(KEYS)}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs)

    BankAPI.run(settings=settings(max_examples=15, stateful_step_count=6, derandomize=True, deadline=None,
                                  database=None, suppress_health_check=list(HealthCheck)))
