"""``accord serve``: a web dashboard over the run store (FastAPI; every asset ships in
``static/``, nothing is fetched from the internet)."""

from accord.app.web.server import create_app

__all__ = ["create_app"]
