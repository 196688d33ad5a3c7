"""``python -m selfattention`` is the ``selfattention`` command."""

from .cli import main

main()
