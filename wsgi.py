"""WSGI entry point: ``flask --app wsgi …`` and ``gunicorn wsgi:app``."""
import sys

from loans import create_app
from loans.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one clear line instead of a traceback
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
