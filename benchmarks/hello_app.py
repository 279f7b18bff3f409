"""A bare Flask app: the baseline that bench_pages.py compares the storefront pages against."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The smallest page Flask can serve."""
    return "Hello, World!"
