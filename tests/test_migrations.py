"""Alembic migrations: one head, reference data of SPEC §3/§5, down and up again, models in
step with the migrations, and an append-only audit trail."""
from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from loans.audit.models import AppendOnlyViolation, AuditEvent
from loans.audit.services import record
from loans.core.policy import SEED_POLICIES
from loans.db import db
from loans.policy.models import Bank, District, KeyGroup, LprFixing, PolicyVersion
from tests.conftest import PG_URL, ROOT

DISTRICTS = {
    "431002": ("北湖区", "Beihu District", "standard"),
    "431003": ("苏仙区", "Suxian District", "standard"),
    "431021": ("桂阳县", "Guiyang County", "standard"),
    "431022": ("宜章县", "Yizhang County", "former_poverty"),
    "431023": ("永兴县", "Yongxing County", "standard"),
    "431024": ("嘉禾县", "Jiahe County", "standard"),
    "431025": ("临武县", "Linwu County", "standard"),
    "431026": ("汝城县", "Rucheng County", "former_poverty"),
    "431027": ("桂东县", "Guidong County", "former_poverty"),
    "431028": ("安仁县", "Anren County", "former_poverty"),
    "431081": ("资兴市", "Zixing City", "standard"),
}
BANKS = {"ICBC-CZ": "工商银行郴州分行", "ABC-CZ": "农业银行郴州分行", "CZRCB": "郴州农商银行",
         "PSBC-CZ": "邮储银行郴州分行"}
KEY_GROUPS = ("urban_unemployed", "employment_difficulty", "disabled", "veteran", "released_prisoner", "graduate",
              "overcapacity_worker", "returning_migrant", "online_merchant", "poverty_alleviated",
              "rural_self_employed", "retired_fisherman")
SENSITIVE_GROUPS = {"disabled", "released_prisoner", "poverty_alleviated"}
LPR = [("2019-08-20", "4.25"), ("2019-09-20", "4.20"), ("2019-11-20", "4.15"), ("2020-02-20", "4.05"),
       ("2020-04-20", "3.85"), ("2021-12-20", "3.80"), ("2022-01-20", "3.70"), ("2022-08-22", "3.65"),
       ("2023-06-20", "3.55"), ("2023-08-21", "3.45"), ("2024-07-22", "3.35"), ("2024-10-21", "3.10"),
       ("2025-05-20", "3.00")]


def script_directory() -> ScriptDirectory:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


@pytest.mark.nodb
def test_single_head():
    heads = script_directory().get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


@pytest.mark.nodb
def test_history_is_linear_from_the_initial_schema():
    revisions = list(script_directory().walk_revisions())
    assert revisions[-1].down_revision is None
    bases = [r for r in revisions if r.down_revision is None]
    assert len(bases) == 1


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def reference_counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (District, Bank, KeyGroup, PolicyVersion, LprFixing)}


def assert_reference_data():
    districts = {d.code: (d.name_zh, d.name_en, d.cap_class) for d in db.session.scalars(select(District))}
    assert districts == DISTRICTS
    assert {b.code: b.name_zh for b in db.session.scalars(select(Bank))} == BANKS
    groups = db.session.scalars(select(KeyGroup).order_by(KeyGroup.sort_order)).all()
    assert tuple(g.code for g in groups) == KEY_GROUPS
    assert {g.code for g in groups if g.sensitive} == SENSITIVE_GROUPS
    assert all(g.label_zh and g.label_en and g.evidence_zh and g.evidence_en for g in groups)

    versions = {p.code: p for p in db.session.scalars(select(PolicyVersion))}
    assert set(versions) == {"HN-2018", "HN-2020", "HN-2021", "HN-2023"}
    hn2023 = versions["HN-2023"]
    assert hn2023.effective_from == date(2023, 10, 1)
    assert hn2023.individual_max == Decimal("300000.00")
    assert str(hn2023.individual_max) == "300000.00"
    assert hn2023.partnership_max == Decimal("4000000") and hn2023.enterprise_max == Decimal("4000000")
    assert (hn2023.regime_individual, hn2023.regime_individual_value) == ("rate_share", Decimal("50"))
    assert (hn2023.hire_share_small_pct, hn2023.hire_share_large_pct) == (Decimal("10"), Decimal("5"))
    hn2021 = versions["HN-2021"]
    assert (hn2021.regime_individual, hn2021.regime_individual_value) == ("lpr_margin", Decimal("150"))
    assert (hn2021.cap_standard_bp, hn2021.cap_former_poverty_bp) == (150, 250)
    hn2018 = versions["HN-2018"]
    assert hn2018.effective_from == date(2018, 11, 16)
    assert hn2018.individual_max == Decimal("150000")
    assert (hn2018.regime_enterprise, hn2018.regime_enterprise_value) == ("lpr_share", Decimal("50"))
    assert versions["HN-2020"].individual_max == Decimal("200000")
    # Every parameter equals the seed the pure rules are tested against.
    assert tuple(sorted((p.to_params() for p in versions.values()), key=lambda p: p.effective_from)) == SEED_POLICIES

    fixings = [(f.published_on.isoformat(), f.rate)
               for f in db.session.scalars(select(LprFixing).order_by(LprFixing.published_on))]
    assert fixings == [(d, Decimal(r)) for d, r in LPR]


def test_upgrade_gives_the_reference_data(app):
    heads = script_directory().get_heads()
    assert current_revision() == heads[0]
    assert_reference_data()


def _guarded_restore(app):
    """On PostgreSQL the session database is shared: if a destructive step fails, put it back."""
    from tests.conftest import _reset_postgres, _upgrade

    if PG_URL:
        db.session.remove()
        db.engine.dispose()
        _reset_postgres(PG_URL)
        _upgrade(PG_URL)


def down_and_up(app, revision: str, check_down) -> None:
    """Downgrade to ``revision``, call ``check_down()`` there, upgrade to the head again."""
    db.session.remove()
    head = current_revision()
    try:
        downgrade(revision=revision)
        db.engine.dispose()
        check_down()
        upgrade()
        db.engine.dispose()
    except BaseException:
        _guarded_restore(app)
        raise
    assert current_revision() == head


def test_downgrade_to_base_and_upgrade_again(app):
    def empty():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert current_revision() is None

    down_and_up(app, "base", empty)
    assert_reference_data()
    # The audit guard came back with the schema.
    record("test", object_type="system")
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_events"))


def test_upgrade_on_a_populated_database_changes_nothing(app, runner):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    before = reference_counts()
    from loans.applications.models import LoanApplication

    cases = db.session.scalar(select(func.count()).select_from(LoanApplication))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.remove()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert reference_counts() == before
    assert db.session.scalar(select(func.count()).select_from(LoanApplication)) == cases
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert_reference_data()


@pytest.mark.pdf
def test_letter_translations_down_and_up_on_a_populated_database(app, make_user):
    """0014 on a database with letters: downgrading drops only the courtesy translations;
    upgrading again brings their table back, empty, with every letter as issued."""
    from loans.letters.models import Letter, LetterTranslation
    from loans.review import services as review
    from tests.factories import recommended_case

    supervisor = make_user("supervisor")
    for locale in ("en", "zh"):
        case = recommended_case("approve")
        case.applicant.locale = locale
        review.decide(case, actor=supervisor, decision="approve")
    db.session.commit()
    issued = {letter.reference: letter.sha256 for letter in db.session.scalars(select(Letter))}
    assert len(issued) == 2 and db.session.scalar(select(func.count()).select_from(LetterTranslation)) == 1

    def letters_without_translations():
        assert current_revision() == "0013"
        assert "letter_translations" not in sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert dict(conn.execute(sa.text("SELECT reference, sha256 FROM letters")).all()) == issued

    down_and_up(app, "0013", letters_without_translations)
    assert db.session.scalar(select(func.count()).select_from(LetterTranslation)) == 0
    letters = db.session.scalars(select(Letter)).all()
    assert {letter.reference: letter.sha256 for letter in letters} == issued
    assert all(hashlib.sha256(letter.pdf).hexdigest() == letter.sha256 for letter in letters)


def test_models_match_migrations(app):
    """Autogenerate finds nothing to do: every model change has its migration."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(context, db.metadata)
    assert diffs == [], "models and migrations differ:\n" + "\n".join(map(str, diffs))


def test_metadata_has_a_naming_convention(app):
    convention = db.metadata.naming_convention
    for key in ("ix", "uq", "ck", "fk", "pk"):
        assert key in convention


# --- the audit trail is append-only ----------------------------------------------------

@pytest.fixture
def audit_row(app):
    event = record("test", object_type="system", note="original")
    db.session.commit()
    return event.id


def test_audit_rows_cannot_be_updated_through_the_orm(audit_row):
    event = db.session.get(AuditEvent, audit_row)
    event.action = "forged"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, audit_row).action == "test"


def test_audit_rows_cannot_be_deleted_through_the_orm(audit_row):
    db.session.delete(db.session.get(AuditEvent, audit_row))
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, audit_row) is not None


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'forged'",
    "DELETE FROM audit_events",
])
def test_audit_rows_cannot_be_changed_in_the_database(audit_row, statement):
    db.session.remove()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert db.session.get(AuditEvent, audit_row).action == "test"


def test_bulk_update_is_refused_by_the_database(audit_row):
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.update(AuditEvent).values(action="forged"))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, audit_row).action == "test"


def test_migrating_in_process_leaves_the_apps_loggers_logging(app):
    """Alembic's logging set-up once disabled every logger it did not name: after a migration
    run in the app's process, the app's own log lines (the audit head, job failures) were lost."""
    import logging

    down_and_up(app, "0029", lambda: None)
    assert not app.logger.disabled and not logging.getLogger("loans.jobs").disabled
