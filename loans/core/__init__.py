"""Pure rules of the guaranteed-loan programme: money, dates and periods, resident IDs,
policy versions, eligibility and the case workflow.

Nothing here imports Flask, SQLAlchemy or does I/O; ``tests/core/test_purity.py``
enforces it. Money is ``Decimal`` in yuan, rates are ``Decimal`` in percent.
"""
