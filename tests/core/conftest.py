"""tests/core needs no app: only the project root on ``sys.path`` so that ``loans.core``
imports when pytest is run without a project-level path setting."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
