"""Flask extensions, created unbound so models and views never import the factory."""

from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from .limiter import SharedStoreLimiter

# Named constraints make migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

# Rate limits for sign-in and mail-sending forms. Storage comes from
# RATELIMIT_STORAGE_URI: "memory://" counts per process, which is right for one
# process only; production with several gunicorn workers or hosts must point it
# at a shared store (e.g. "redis://host:6379"), or each worker counts alone.
# Behind a reverse proxy, remote_addr is the proxy's unless ProxyFix is applied.
# When the shared store does not answer, each worker counts alone and tries the store
# again after 1 s, then at most every 10 s (marketplace/limiter.py).
limiter = SharedStoreLimiter(key_func=get_remote_address)
