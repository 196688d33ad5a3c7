"""One module per language; each defines ``LANGUAGE``. Adding a language is adding a file."""
