"""Flask extension instances, created unbound and initialised in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from flask_bootstrap import Bootstrap5

from .db import db

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
bootstrap = Bootstrap5()

__all__ = ["db", "login_manager", "csrf", "babel", "limiter", "bootstrap"]
