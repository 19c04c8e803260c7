"""`.env` for every entry point: `flask`, `python -m <package>.serve` and plain `gunicorn`.

All three read it the way `flask` does (Flask's own `load_dotenv`): `.flaskenv` then `.env`,
found from the working directory upwards, and a variable already in the process environment
wins over the file. The app itself never reads the file, so tests and embedding programs see
only the environment they set.
"""

from flask.cli import load_dotenv


def load_env_file() -> None:
    """Copy the variables of `.env` that the process environment lacks into it."""
    load_dotenv()
