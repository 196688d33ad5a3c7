"""``python -m selfattention`` is the ``selfattention`` command."""

from .surfaces.cli import main

main()
