"""Each language's labels: the short words of tables, figures, the page and the commands,
one module per language (its sentences are in ``languages``)."""
