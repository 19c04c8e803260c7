"""Flask extensions, created unbound and initialised by `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from .database import Base
from .errors import ErrorOut

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)


class JsonApi(Api):
    ERROR_SCHEMA = ErrorOut


api = JsonApi()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
