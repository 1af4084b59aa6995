"""The case lifecycle (SPEC §4): statuses, actions, roles, who may act and the one
transition table every status change goes through."""

from enum import Enum, StrEnum


class CaseStatus(str, Enum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    info_requested = "info_requested"
    recommended = "recommended"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    declined = "declined"
    expired = "expired"
    contracted = "contracted"
    active = "active"
    overdue = "overdue"
    extended = "extended"
    settled = "settled"
    compensated = "compensated"
    written_off = "written_off"

    def __str__(self) -> str:
        return self.value


class Action(str, Enum):
    submit = "submit"
    take = "take"
    request_info = "request_info"
    answer_info = "answer_info"
    recommend = "recommend"
    approve = "approve"
    reject = "reject"
    send_back = "send_back"
    withdraw = "withdraw"
    decline = "decline"
    expire = "expire"
    contract = "contract"
    disburse = "disburse"
    settle = "settle"
    become_overdue = "become_overdue"
    cure = "cure"
    compensate = "compensate"
    extend = "extend"
    end_extension = "end_extension"
    write_off = "write_off"

    def __str__(self) -> str:
        return self.value


S = CaseStatus

OPEN_STATUSES = frozenset({S.draft, S.submitted, S.under_review, S.info_requested,
                           S.recommended})
"""Undecided applications; the applicant may still withdraw them."""

IN_REVIEW_STATUSES = OPEN_STATUSES - {S.draft}
"""Submitted and not yet decided: the bureau's review clock runs."""

OPEN_APPLICATION_STATUSES = OPEN_STATUSES | {S.approved, S.contracted}
"""Applications that block another one for the same person or enterprise (E14)."""

ACTIVE_LOAN_STATUSES = frozenset({S.active, S.overdue, S.extended})
"""Loans with money out; they block another application too (E14)."""

LOAN_STATUSES = (S.contracted, S.active, S.overdue, S.extended, S.settled, S.compensated, S.written_off)
"""Cases that have a loan: from the signed contract on, whatever became of it since (in
the order of the lifecycle, for lists and filters)."""

DECIDED_STATUSES = frozenset({S.approved, S.rejected})

DECISION_ACTIONS = frozenset({Action.approve, Action.reject, Action.send_back})
"""Actions a supervisor may not take on a case they recommended (four eyes)."""

# (action, from status) → to status
TRANSITIONS: dict[tuple[Action, CaseStatus], CaseStatus] = {
    (Action.submit, S.draft): S.submitted,
    (Action.take, S.submitted): S.under_review,
    (Action.request_info, S.under_review): S.info_requested,
    (Action.answer_info, S.info_requested): S.under_review,
    (Action.recommend, S.under_review): S.recommended,
    (Action.approve, S.recommended): S.approved,
    (Action.reject, S.recommended): S.rejected,
    (Action.send_back, S.recommended): S.under_review,
    **{(Action.withdraw, status): S.withdrawn for status in OPEN_STATUSES},
    (Action.decline, S.approved): S.declined,
    (Action.expire, S.approved): S.expired,
    (Action.contract, S.approved): S.contracted,
    (Action.disburse, S.contracted): S.active,
    (Action.settle, S.active): S.settled,
    (Action.settle, S.overdue): S.settled,
    (Action.settle, S.extended): S.settled,
    (Action.become_overdue, S.active): S.overdue,
    (Action.become_overdue, S.extended): S.overdue,
    (Action.cure, S.overdue): S.active,
    (Action.compensate, S.overdue): S.compensated,
    (Action.write_off, S.compensated): S.written_off,
    (Action.extend, S.active): S.extended,
    (Action.end_extension, S.extended): S.active,
}


class Role(StrEnum):
    """Who a user is (SPEC §2); ``system`` is the app itself acting on a schedule (expiry),
    never a user's role."""

    applicant = "applicant"
    officer = "officer"
    supervisor = "supervisor"
    bank = "bank"
    finance = "finance"
    admin = "admin"
    auditor = "auditor"
    community = "community"
    system = "system"


R = Role

ROLES = tuple(Role)

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.submit: frozenset({R.applicant, R.community}),  # a community worker files for a person
    Action.answer_info: frozenset({R.applicant}),
    Action.withdraw: frozenset({R.applicant}),
    Action.take: frozenset({R.officer, R.supervisor}),
    Action.request_info: frozenset({R.officer, R.supervisor}),
    Action.recommend: frozenset({R.officer, R.supervisor}),
    Action.approve: frozenset({R.supervisor}),
    Action.reject: frozenset({R.supervisor}),
    Action.send_back: frozenset({R.supervisor}),
    Action.decline: frozenset({R.bank}),
    Action.contract: frozenset({R.bank}),
    Action.disburse: frozenset({R.bank}),
    Action.settle: frozenset({R.bank}),
    Action.become_overdue: frozenset({R.bank}),
    Action.cure: frozenset({R.bank}),
    # finance pays the bank's claim (SPEC §13); the ledger's own compensation events predate claims
    Action.compensate: frozenset({R.finance}),
    Action.write_off: frozenset({R.finance}),
    Action.extend: frozenset({R.bank}),
    Action.end_extension: frozenset({R.bank}),
    Action.expire: frozenset({R.system}),
}


class IllegalTransition(Exception):
    """An action that the case's current status does not allow."""

    def __init__(self, status, action, message: str | None = None):
        self.status = status
        self.action = action
        if message is None:
            message = f"A case in status {status} cannot {action}"
            if status in DECIDED_STATUSES and action in DECISION_ACTIONS:
                message += f": it is already {status}"
            allowed = ", ".join(sorted(a.value for a in allowed_actions(status)))
            message += f" (allowed: {allowed or 'none'})."
        super().__init__(message)


class FourEyesViolation(IllegalTransition):
    """A supervisor tried to decide a case they recommended themselves."""

    def __init__(self, action=None):
        super().__init__(
            S.recommended, action,
            "The person who recommended a case cannot also decide it (four eyes).")


def _coerce(status, action) -> tuple[CaseStatus | None, Action | None]:
    try:
        status = CaseStatus(status)
    except ValueError:
        status = None
    try:
        action = Action(action)
    except ValueError:
        action = None
    return status, action


def next_status(status: CaseStatus, action: Action) -> CaseStatus:
    """The status after ``action``, or ``IllegalTransition``."""
    status_, action_ = _coerce(status, action)
    target = TRANSITIONS.get((action_, status_))
    if target is None:
        raise IllegalTransition(status, action)
    return target


def allowed_actions(status: CaseStatus) -> frozenset[Action]:
    status, _ = _coerce(status, Action.submit)
    return frozenset(action for action, from_status in TRANSITIONS if from_status == status)


def can(status: CaseStatus, action: Action) -> bool:
    status_, action_ = _coerce(status, action)
    return (action_, status_) in TRANSITIONS


def role_may(role: Role | str, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` at all (scope is checked elsewhere)."""
    _, action_ = _coerce(S.draft, action)
    return role in ACTION_ROLES.get(action_, frozenset())


def check_four_eyes(recommender_id, decider_id, action: Action = Action.approve) -> None:
    """Raise ``FourEyesViolation`` when the decider is the recommender. A case with no
    recorded recommender (e.g. imported) cannot violate it."""
    if recommender_id is not None and recommender_id == decider_id:
        raise FourEyesViolation(action)
