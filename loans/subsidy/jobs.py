"""Computing a period's statements as a background job (SPEC §14): 100,000 loans take
seconds, longer than a page should wait. Finance starts it from the subsidy page and is
taken to the period when it is done."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.money import format_yuan
from ..errors import Refused
from ..i18n import list_separator, period_name, prose_date
from ..jobs.kinds import JobContext, JobFailed, job_kind

LANGUAGES = ("zh", "en")


def _messages(params: dict, result: dict | None) -> list[tuple[str, str]]:
    """The words the page said when the computation ran in the request, in the reader's language."""
    if not result:
        return []
    from datetime import date

    said = [("success", _("%(period)s computed: %(n)d statement(s), %(lines)d line(s).",
                          period=period_name(result["period"]), n=result["statements"], lines=result["lines"]))]
    if result.get("adjustments"):
        said.append(("info", _("The statements carry %(n)d adjustment(s) for earlier periods whose statements are "
                               "frozen, %(total)s in all.", n=result["adjustments"],
                               total=format_yuan(Decimal(result["adjustments_total"])))))
    if result.get("latest_lpr_published_on"):
        said.append(("info", _("The loans’ LPR₀ are fixings published up to %(date)s.",
                               date=prose_date(date.fromisoformat(result["latest_lpr_published_on"])))))
    if result.get("skipped"):
        said.append(("warning", _("Left unchanged because they are reviewed, approved or paid: %(banks)s. Reopen "
                                  "one to recompute it.", banks=list_separator().join(result["skipped"]))))
    if result.get("no_policy"):
        said.append(("warning", _("No policy version was in force for %(n)d loan(s), which were left out: %(refs)s",
                                  n=result["no_policy_count"], refs=list_separator().join(result["no_policy"]))))
    return said


@job_kind("subsidy_compute", _l("Interest-subsidy computation"), attempts=2, backoff_seconds=30,
          result_link=lambda params, result: ("subsidy.period", {"period": result["period"]}) if result else None,
          result_messages=_messages)
def subsidy_compute(context: JobContext) -> dict:
    from ..auth.models import User
    from ..db import db
    from . import services

    actor = db.session.get(User, context.started_by_id) if context.started_by_id else None
    try:
        code, _start, _end = services.computable_period(context.params["period"], services_today())
        total = services.count_candidate_loans(code)
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            context.progress(done[0], total)

        result = services.compute_period_subsidy(code, actor, progress=progress)
    except Refused as refused:
        raise JobFailed("refused", text=_in_both_languages(refused)) from None
    computed = [b for b in result.banks if b.computed]
    return {
        "period": result.period,
        "statements": len(computed),
        "lines": sum(b.line_count for b in computed),
        "adjustments": sum(b.adjustment_count for b in computed),
        "adjustments_total": str(sum((b.adjustments_total for b in computed), Decimal("0.00"))),
        "latest_lpr_published_on": result.latest_lpr_published_on.isoformat() if result.latest_lpr_published_on
        else None,
        "skipped": [f"{b.bank_code} v{b.version}" for b in result.skipped],
        "no_policy": result.no_policy[:20],
        "no_policy_count": len(result.no_policy),
    }


def services_today():
    from ..db import local_today

    return local_today()


def _in_both_languages(refused: Refused) -> dict:
    texts = {}
    for language in LANGUAGES:
        with force_locale(language):
            texts[language] = str(refused.message)
    return texts


@job_kind("statements_print", _l("Subsidy statements for printing"), attempts=2, backoff_seconds=10)
def statements_print(context: JobContext) -> dict:
    """Every current statement of a period, in the language of whoever asked, in one PDF."""
    import io

    from pypdf import PdfWriter

    from ..db import db
    from .models import StatementStatus, SubsidyStatement
    from .pdf import render_statement_pdf

    period, lang = context.params["period"], context.params.get("lang", "zh")
    statements = list(db.session.scalars(
        db.select(SubsidyStatement).where(SubsidyStatement.period == period,
                                          SubsidyStatement.status != StatementStatus.superseded)
        .order_by(SubsidyStatement.bank_code)))
    if not statements:
        raise JobFailed("not_found")
    writer = PdfWriter()
    for done, statement in enumerate(statements, 1):
        with force_locale(lang):
            writer.append(io.BytesIO(render_statement_pdf(statement, lang)))
        context.progress(done, len(statements))
    name = f"subsidy-{period}-statements.pdf"
    with context.output(name).open("wb") as out:
        writer.write(out)
    return {"file": name, "statements": len(statements)}
