"""The local web explorer: ``selfattention serve`` (needs the ``web`` extra: FastAPI, uvicorn).

:func:`create_app` builds the ASGI app; :mod:`.app` lists the endpoints, :mod:`.payload`
reads requests through the library's own input checks, :mod:`.limits` bounds them, and
``static/`` holds the page (HTML, CSS and JavaScript, no build step, nothing from a CDN).
"""

from .app import create_app

__all__ = ["create_app"]
