"""Entry point for Celery workers and beat: ``celery -A api.worker worker`` / ``beat``."""

from api import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
