"""The in-run reference for bench/public_pages.py: a bare Flask hello-world under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """Hello, world."""
    return "Hello, World!"
