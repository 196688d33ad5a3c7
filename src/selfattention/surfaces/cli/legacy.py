"""The old spellings of this release, kept working for one release.

Before the commands were split, ``explain`` took a sentence too: ``explain TEXT`` and
``explain --text TEXT`` walked it through the toy layer (now ``layer TEXT``), and
``explain TEXT --model NAME`` explained a real model's head (now ``model TEXT``).
:func:`translate` recognises those spellings and gives the new command's arguments; the
command group runs it and, when it succeeds, prints one note on stderr naming the new spelling.

>>> command, args, note = translate(["--text", "The cat sat", "--heads", "2"], {"--text", "--heads"})
>>> command, args
('layer', ['--heads', '2', '--', 'The cat sat'])
>>> note.split(" (")[0]
"note: 'selfattention explain --text TEXT' is now 'selfattention layer TEXT'"
>>> translate(["--queries", "0"], {"--queries"}) is None   # vectors: explain itself
True
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["NOTE", "translate"]

NOTE = "note: '{old}' is now '{new}' (the old spelling will be removed in a later release)"


def translate(args: list[str], value_options: Collection[str]) -> tuple[str, list[str], str] | None:
    """``explain``'s arguments in an old spelling -> (the new command, its arguments, the
    note); None when they are explain's own (no TEXT, no --text, no --model).

    ``value_options`` are the option names that take a value (``--queries``, ``-q``, ...):
    the argument after one of them is its value, not a TEXT."""
    options: list[str] = []
    texts: list[str] = []
    by_option = model = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":  # everything after it is a TEXT
            texts += args[i + 1 :]
            break
        name, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        takes_value = name in value_options and not has_value
        if name == "--text":
            by_option = True
            texts += [value] if has_value else args[i + 1 : i + 2]
            i += 1 if has_value else 2
            continue
        if not arg.startswith("-") or arg == "-":
            texts.append(arg)
        else:
            model = model or name == "--model"
            options += args[i : i + 2] if takes_value else [arg]
            i += 1 if takes_value else 0
        i += 1
    if not texts and not by_option and not model:
        return None
    command = "model" if model else "layer"
    old = "selfattention explain " + ("--text TEXT" if by_option else "TEXT") + (" --model NAME" if model else "")
    new = "selfattention model TEXT --model NAME" if model else "selfattention layer TEXT"
    return command, [*options, "--", *texts], NOTE.format(old=old, new=new)
