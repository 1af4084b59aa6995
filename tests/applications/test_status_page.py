"""The applicant's status page as they read it (issue 11, items 3–5 and 7): what happens
next comes first after submitting, the progress in plain words without self transitions,
withdrawing as a secondary, confirmed action; the loan card with the contract rate, the
borrower's own share and the subsidy; eligibility messages that do not mislead; the
document kinds the pre-check asks for."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from loans.db import db
from tests.applications.conftest import DECLARATIONS, get_application, resident_id, tiny_pdf
from tests.helpers import text


def status_page(client, application_id) -> str:
    response = client.get(f"/my/applications/{application_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- what happens next, the progress, withdrawing --------------------------------------

def test_after_submitting_what_happens_next_comes_first(app, make_case, as_user):
    from loans.policy.queries import working_calendar
    from loans.review.queries import submitted_on

    case = make_case("submitted", district="431002")
    page = status_page(as_user(case.applicant), case.id)
    due = working_calendar().add_working_days(submitted_on(case), app.config["REVIEW_TARGET_WORKING_DAYS"])
    box = page[page.index('id="next-steps"'):page.index("</section>", page.index('id="next-steps"'))]
    words = text(box)
    assert "What happens next" in words
    assert "A loan officer of Beihu District takes up your application" in words
    assert "A supervisor then decides" in words
    assert f"within 10 working days of submission: by {due:%B} {due.day}, {due.year}." in words
    assert "may ask you for more information or for documents" in words
    # first: before the news, the progress, what was submitted and the withdrawal
    for later in ('id="news-title"', ">Progress<", "What you submitted", 'id="withdraw"'):
        if later in page:
            assert page.index('id="next-steps"') < page.index(later), later


def test_the_next_step_follows_the_case(make_case, as_user):
    case = make_case("recommended")
    page = status_page(as_user(case.applicant), case.id)
    current = re.search(r'<li aria-current="step">(.*?)</li>', page, re.S)
    assert current and "A supervisor then decides" in text(current.group(1))
    decided = make_case("approved")
    assert 'id="next-steps"' not in status_page(as_user(decided.applicant), decided.id)


def test_progress_says_each_event_once_in_plain_words(make_case, as_user):
    case = make_case("under_review")
    words = text(status_page(as_user(case.applicant), case.id))
    progress = words[words.index("Progress"):words.index("What you submitted")]
    assert "→" not in progress  # no "Submitted → Submitted"
    assert "Submitted" in progress and "by you" in progress
    assert "Taken for review" in progress and "by a loan officer" in progress


def test_an_upload_in_the_progress_says_which_document(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    portal.submit(app_id)
    words = text(status_page(client, app_id))
    assert "Document uploaded: Key group evidence" in words
    client.post("/language", data={"lang": "zh"})
    page = status_page(client, app_id)
    assert "上传材料：重点群体证明材料" in text(page) and "上传材料: " not in text(page)  # full-width colon


def test_withdrawing_is_secondary_last_and_confirmed(make_case, as_user):
    case = make_case("submitted")
    page = status_page(as_user(case.applicant), case.id)
    withdraw = page[page.index('<details class="mt-4" id="withdraw">'):]
    assert page.index("What you submitted") < page.index('id="withdraw"')
    assert "btn-outline-danger" in withdraw and "btn-danger" not in withdraw.replace("btn-outline-danger", "")
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="confirm"[^>]*required', withdraw)
    assert "Yes, I want to withdraw this application." in text(withdraw)


# --- the loan card ------------------------------------------------------------------------

def test_the_loan_card_shows_the_rates_not_the_sharing_rule_and_no_validity(contracted, as_user):
    # HN-2023: 50 % of the rate up to LPR₀ 3.10 % + 1.50 % is subsidised; 5.00 % is above that ceiling,
    # so the subsidy is 4.60 % × 50 % = 2.30 % and the borrower pays 5.00 % − 2.30 % = 2.70 %.
    loan = contracted(contract_date=date(2025, 1, 15), rate="5.00")
    case = loan.application
    words = text(status_page(as_user(case.applicant), case.id))
    assert "Contract rate 5.00% a year" in words
    assert "You pay 2.70% a year" in words
    assert "Interest subsidy 2.30% a year, paid to the bank by the government" in words
    assert case.borrower_rate_rule_en not in words  # the rule in words belongs to the approval, before a contract
    assert "Valid until" not in words and case.valid_until_date.isoformat() not in words
    assert words.index("Your loan") < words.index("Your loan is approved")


def test_the_rates_follow_the_core_subsidy_rule(contracted, as_user):
    from loans.core import policy as core_policy
    from loans.policy.queries import policy_on

    loan = contracted(contract_date=date(2025, 1, 15), rate="3.85")
    rule = core_policy.borrower_rate_rule(policy_on(loan.contract_date), loan.loan_type, loan.lpr_rate,
                                          loan.contract_rate, loan.district.cap_class)
    words = text(status_page(as_user(loan.application.applicant), loan.application_id))
    assert f"You pay {core_policy.format_rate(rule.borrower_rate)}% a year" in words
    assert f"Interest subsidy {core_policy.format_rate(rule.subsidy_rate)}% a year" in words
    assert rule.borrower_rate + rule.subsidy_rate == Decimal("3.85")


def test_before_the_contract_the_approval_shows_the_rule_as_the_subsidy_and_its_deadline(approved, as_user):
    case = approved()
    words = text(status_page(as_user(case.applicant), case.id))
    assert f"Interest subsidy {case.borrower_rate_rule_en}" in words
    assert "Interest rate" not in words  # the rule is not a rate
    assert f"Valid until {case.valid_until_date.isoformat()}" in words


# --- eligibility messages -----------------------------------------------------------------

def _row(page: str, rule_id: str) -> str:
    match = re.search(rf"<strong>{rule_id}</strong>(.*?)</li>", page, re.S)
    assert match, rule_id
    return text(match.group(1))


def test_an_unticked_declaration_is_not_declared_yet_not_a_failure(portal, client):
    app_id = portal.new()
    portal.fill(app_id)
    declarations = {k: v for k, v in DECLARATIONS.items() if k != "declares_no_other_loans"}
    assert portal.step(app_id, "declarations", declarations).status_code == 302
    page = portal.page(app_id, "review")
    row = _row(page, "E07")
    assert "Not declared yet" in row and "✗" not in row
    assert "You or your spouse have other outstanding loans" not in row
    assert "No rule fails" in text(page)
    assert f'/my/applications/{app_id}/step/declarations">your declarations' in page

    assert portal.step(app_id, "declarations", DECLARATIONS).status_code == 302
    assert "✓ Pass" in _row(portal.page(app_id, "review"), "E07")


def test_a_partner_without_the_declaration_is_named_and_not_failed(portal, client):
    app_id = portal.new()
    portal.fill(app_id, business={"loan_type": "partnership"}, loan={"amount": "200000"})
    partner_id = resident_id(birth=date(1991, 4, 5), seq="456")
    response = portal.step(app_id, "partners", {"full_name": "李伙伴", "id_number": partner_id,
                                                "key_group_code": "veteran", "graduation_date": ""})
    assert response.status_code == 302
    row = _row(portal.page(app_id, "review"), "E13")
    masked = partner_id[:6] + "********" + partner_id[-4:]
    assert f"Partner 2 ({masked}): not declared yet" in row and "✗" not in row and "Not declared yet" in row


def test_e14_names_whose_resident_id_clashes(portal, make_case):
    holder = make_case("submitted")  # someone's open case, under the ID the partner will carry
    app_id = portal.new()
    portal.fill(app_id, business={"loan_type": "partnership"}, loan={"amount": "200000"})
    assert portal.step(app_id, "partners", {"full_name": "王伙伴", "id_number": holder.id_number,
                                            "key_group_code": "veteran", "graduation_date": "",
                                            "declares_no_other_loans": "y"}).status_code == 302
    row = _row(portal.page(app_id, "review"), "E14")
    assert (f"The resident ID of partner 2 ({holder.id_number_masked}) already has another open application "
            "or active loan.") in row
    refused = portal.submit(app_id)
    assert refused.status_code == 400
    assert (f"Not submitted: the resident ID of partner 2 ({holder.id_number_masked}) already has an open "
            "application or loan.") in text(refused.get_data(as_text=True))
    assert holder.reference not in refused.get_data(as_text=True)
    assert get_application(app_id).status == "draft"


# --- document kinds -------------------------------------------------------------------------

def test_the_credit_report_and_social_insurance_record_can_be_uploaded(portal, client):
    app_id = portal.new()
    page = portal.page(app_id, "documents")
    assert '<option value="credit_report">Personal credit report</option>' in page
    assert '<option value="social_insurance_record">Social insurance record</option>' in page
    for kind in ("credit_report", "social_insurance_record"):
        assert portal.upload(app_id, kind, tiny_pdf(), filename=f"{kind}.pdf").status_code == 302
    kinds = sorted(d.kind for d in get_application(app_id).documents)
    assert kinds == ["credit_report", "social_insurance_record"]
    words = text(portal.page(app_id, "documents"))
    assert "Personal credit report" in words and "Social insurance record" in words
    assert not any(d.encrypted for d in get_application(app_id).documents)  # not sensitive evidence
    db.session.rollback()
