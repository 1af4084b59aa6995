import pytest

from loans.core.workflow import (
    ACTION_ROLES,
    ACTIVE_LOAN_STATUSES,
    DECIDED_STATUSES,
    OPEN_APPLICATION_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    CaseStatus,
    FourEyesViolation,
    IllegalTransition,
    allowed_actions,
    can,
    check_four_eyes,
    next_status,
    role_may,
)

S, A = CaseStatus, Action

LEGAL = [
    (S.draft, A.submit, S.submitted),
    (S.submitted, A.take, S.under_review),
    (S.under_review, A.request_info, S.info_requested),
    (S.info_requested, A.answer_info, S.under_review),
    (S.under_review, A.recommend, S.recommended),
    (S.recommended, A.approve, S.approved),
    (S.recommended, A.reject, S.rejected),
    (S.recommended, A.send_back, S.under_review),
    (S.draft, A.withdraw, S.withdrawn),
    (S.submitted, A.withdraw, S.withdrawn),
    (S.under_review, A.withdraw, S.withdrawn),
    (S.info_requested, A.withdraw, S.withdrawn),
    (S.recommended, A.withdraw, S.withdrawn),
    (S.approved, A.decline, S.declined),
    (S.approved, A.expire, S.expired),
    (S.approved, A.contract, S.contracted),
    (S.contracted, A.disburse, S.active),
    (S.active, A.settle, S.settled),
    (S.overdue, A.settle, S.settled),
    (S.extended, A.settle, S.settled),
    (S.active, A.become_overdue, S.overdue),
    (S.extended, A.become_overdue, S.overdue),
    (S.overdue, A.cure, S.active),
    (S.overdue, A.compensate, S.compensated),
    (S.compensated, A.write_off, S.written_off),
    (S.active, A.extend, S.extended),
    (S.extended, A.end_extension, S.active),
]


@pytest.mark.parametrize("status, action, target", LEGAL,
                         ids=[f"{s.value}-{a.value}" for s, a, _ in LEGAL])
def test_legal_transitions(status, action, target):
    assert next_status(status, action) is target
    assert can(status, action)
    assert action in allowed_actions(status)


def test_the_table_is_exactly_the_spec():
    assert {(s, a): t for s, a, t in LEGAL} == {(s, a): t for (a, s), t in TRANSITIONS.items()}


ILLEGAL = [(s, a) for s in S for a in A if (s, a) not in {(s2, a2) for s2, a2, _ in LEGAL}]


@pytest.mark.parametrize("status, action", ILLEGAL,
                         ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL])
def test_illegal_transitions(status, action):
    assert not can(status, action)
    with pytest.raises(IllegalTransition) as excinfo:
        next_status(status, action)
    assert excinfo.value.status == status and excinfo.value.action == action
    assert status.value in str(excinfo.value) and action.value in str(excinfo.value)


def test_deciding_twice_says_already_decided():
    with pytest.raises(IllegalTransition, match="already approved"):
        next_status(S.approved, A.reject)


def test_plain_strings_are_accepted():
    assert next_status("draft", "submit") is S.submitted
    assert not can("nonsense", "submit")
    with pytest.raises(IllegalTransition):
        next_status("nonsense", "submit")
    assert allowed_actions("nonsense") == frozenset()


@pytest.mark.parametrize("status", [S.rejected, S.withdrawn, S.declined, S.expired, S.settled,
                                    S.written_off])
def test_terminal_statuses(status):
    assert allowed_actions(status) == frozenset()


@pytest.mark.parametrize("role, actions", [
    ("applicant", {A.submit, A.answer_info, A.withdraw}),
    ("officer", {A.take, A.request_info, A.recommend}),
    ("supervisor", {A.take, A.request_info, A.recommend, A.approve, A.reject, A.send_back}),
    ("bank", {A.decline, A.contract, A.disburse, A.settle, A.become_overdue, A.cure,
              A.extend, A.end_extension}),
    ("system", {A.expire}),
    ("finance", {A.compensate, A.write_off}),  # paying a claim, approving a write-off (SPEC §13)
    ("admin", set()),
    ("auditor", set()),
])
def test_action_roles(role, actions):
    assert {a for a in A if role_may(role, a)} == actions


def test_every_action_has_roles():
    assert set(ACTION_ROLES) == set(A)


def test_status_sets():
    assert OPEN_STATUSES == {S.draft, S.submitted, S.under_review, S.info_requested,
                             S.recommended}
    assert OPEN_APPLICATION_STATUSES == OPEN_STATUSES | {S.approved, S.contracted}
    assert ACTIVE_LOAN_STATUSES == {S.active, S.overdue, S.extended}
    assert DECIDED_STATUSES == {S.approved, S.rejected}


@pytest.mark.parametrize("recommender, decider, violates", [
    (7, 7, True), (7, 8, False), (None, 8, False)])
def test_four_eyes(recommender, decider, violates):
    if violates:
        with pytest.raises(FourEyesViolation) as excinfo:
            check_four_eyes(recommender, decider, A.reject)
        assert isinstance(excinfo.value, IllegalTransition)
        assert excinfo.value.action is A.reject and "four eyes" in str(excinfo.value)
    else:
        check_four_eyes(recommender, decider)


def test_enum_values_are_plain_strings():
    assert S.under_review == "under_review" and str(S.under_review) == "under_review"
    assert str(A.send_back) == "send_back"
