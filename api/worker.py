"""Entry point for Celery workers and beat: ``celery -A api.worker worker``."""

from api import create_app

app = create_app()
celery = app.extensions["celery"]
