"""The guarantee fund's periodic job (SPEC §13, §14): per-bank rates at 01:00 Asia/Shanghai
on the 1st of each month for the month just ended; on demand for any date (``{"on": DATE}``,
the CLI's ``fund rates --on DATE``), or from the Jobs page's "Run now" (the month just ended)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from ..core.fund import month_end_before
from ..db import local_today
from ..jobs.kinds import JobContext, job_kind


def _said(params, result):
    from flask_babel import gettext as _

    return [("info", _("Rates stored for %(banks)s bank(s) as at %(on)s; %(warned)s warned, %(paused)s paused, "
                       "%(lifted)s pause(s) lifted.", banks=result["banks"], on=result["as_of"],
                       warned=len(result["warned"]), paused=len(result["paused"]), lifted=len(result["lifted"])))]


def _result_link(params, result):
    return ("fund.index", {"on": result["as_of"]}) if result else None


@job_kind("bank_rates", _l("Per-bank overdue and claims rates"), attempts=3, manual=True, result_messages=_said,
          result_link=_result_link)
def bank_rates(context: JobContext) -> dict:
    from .rates import compute_bank_rates

    text = context.params.get("on")
    on = date.fromisoformat(text) if text else month_end_before(local_today())
    return compute_bank_rates(on).as_json()
