"""The baseline: a bare Flask app returning a small JSON object, served like the real one."""

from flask import Flask

app = Flask(__name__)


@app.get("/json")
def small_json():
    return {"status": "ok", "service": "baseline", "items": [1, 2, 3]}
