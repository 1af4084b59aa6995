"""Every model, imported in one place so that Alembic sees the whole schema."""
from .applications.models import ApplicationKeyGroup, Consent, Document, LoanApplication, OpenCaseClaim, Partner
from .applications.counts import CaseCount
from .eligibility.models import EligibilitySnapshot, EvidenceCheck
from .notifications.models import Notification, NotificationPreference, OutboxMessage, ShortLink
from .audit.models import AuditEvent
from .auth.models import LoginThrottle, User
from .personal_data import KeyCheck
from .letters.models import Letter, LetterSequence, LetterTranslation
from .review.models import CaseNote, InfoRequest
from .ledger.models import LedgerImport
from .jobs.models import Job
from .banks.models import BankFile, BankToken, IdempotencyKey
from .servicing.models import FollowUpVisit, Loan, LoanEvent
from .servicing.rollups import MonthlyRollup
from .subsidy.models import BankClaim, BankClaimLine, SubsidyAdjustment, SubsidyLine, SubsidyStatement
from .fund.models import (ApprovalOverride, BankPause, BankRate, CompensationClaim, FundLock, FundMovement, Recovery,
                          WriteOff)
from .policy.models import Bank, District, KeyGroup, LprFixing, PolicyVersion
from .rosters.models import RosterEntry, RosterImport
from .search.index import watch as _search
from .search.models import SearchToken

_search("application", LoanApplication)
_search("loan", Loan)

__all__ = [
    "ApprovalOverride", "BankPause", "BankRate", "CompensationClaim", "FundLock", "FundMovement", "Recovery",
    "SubsidyAdjustment", "WriteOff", "RosterEntry", "RosterImport", "SearchToken",
    "BankClaim", "BankClaimLine", "FollowUpVisit", "LedgerImport", "Loan", "LoanEvent", "MonthlyRollup", "SubsidyLine", "SubsidyStatement",
    "ApplicationKeyGroup", "CaseCount", "CaseNote", "EvidenceCheck", "InfoRequest", "AuditEvent", "Bank", "Consent", "District", "Document", "EligibilitySnapshot",
    "KeyCheck", "KeyGroup", "Letter", "LetterSequence", "LetterTranslation", "LoanApplication", "LoginThrottle", "LprFixing", "Notification", "NotificationPreference", "OpenCaseClaim", "OutboxMessage", "Partner", "PolicyVersion", "ShortLink", "User",
]
