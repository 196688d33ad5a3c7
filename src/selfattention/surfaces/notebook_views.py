"""The explorer's views inside Jupyter and VS Code: ``show``, ``head_view``, ``model_view``,
``heads_view``.

Each returns a :class:`View` whose ``_repr_html_`` is one self-contained fragment: the data
as JSON, the page's own drawing code (``server/static/format.js`` and ``views.js``, inlined)
and its CSS (``views.css``), so a notebook draws a head exactly as the web page does, offline,
with nothing from a CDN. Nothing here imports IPython or a widget library: a notebook only
needs an object with ``_repr_html_``. (Notebook front ends run the inline script in trusted
notebooks; an untrusted one shows the fallback line instead.)

>>> import selfattention as sa
>>> view = sa.show(sa.trace(**sa.seed_example().trace_kwargs()))
>>> view.kind, view.document["tokens"]
('head', ['Acting', 'Machines'])
>>> "https://" in view._repr_html_() or "<script src" in view._repr_html_()
False
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..core.errors import InputError
from ..explain import default_language, get_language
from ..record.layer_trace import LayerTrace
from ..record.trace import AttentionTrace
from .view_documents import heads_document, layer_document, layer_trace_view_document, trace_view_document

__all__ = ["View", "ViewTypeError", "head_view", "heads_view", "model_view", "show"]


class ViewTypeError(InputError, TypeError):
    """:func:`show` was given something that is not a record it can draw: a refusal with a
    code like every other, and still the ``TypeError`` it always was."""


@cache
def _static(name: str) -> str:
    return (
        resources.files("selfattention.surfaces")
        .joinpath("server")
        .joinpath("static")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


@cache
def _script() -> str:
    """format.js and views.js as one classic script (their ES module lines taken out)."""
    code = _static("format.js") + "\n" + _static("views.js")
    code = re.sub(r"^import .*?;\s*$", "", code, flags=re.MULTILINE)
    return re.sub(r"^export ", "", code, flags=re.MULTILINE)


# what each kind draws, in the page's own functions; `mount` is the view's element
_MOUNT = {
    "head": """
  let row = doc.row;
  const draw = () => mount.replaceChildren(headLines(doc, { label, row, onPick: (r) => { row = r; draw();
    mount.querySelector(`[data-r="${r}"]`).focus(); } }));
  draw();""",
    "model": """
  let head = doc.head;
  const grid = document.createElement("div");
  const lines = document.createElement("div");
  const draw = () => {
    grid.replaceChildren(smallMultiples(doc, { label, current: head, query: doc.row, sinks: doc.sinks,
      onPick: (h) => { head = h; draw(); grid.querySelector(`[data-head="${h}"]`).focus(); } }));
    const one = { ...doc, weights: doc.weights[head] };
    const row = doc.query_indices.indexOf(doc.row);
    lines.replaceChildren(headLines(one, { label, row: row < 0 ? 0 : row }));
    caption.textContent = `${label("page_head_view")} · ${label("page_head")} ${head}`;
  };
  const caption = document.createElement("p");
  caption.className = "sa-view-caption";
  mount.replaceChildren(grid, caption, lines);
  draw();""",
    "heads": """
  let current = doc.current;
  const draw = () => mount.replaceChildren(headsGrid(doc, { label, current, onPick: (l, h) => {
    current = { layer: l, head: h }; draw(); } }));
  draw();""",
}

_CSS_EXTRA = """
.sa-views{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans KR",sans-serif;color:#1b2430;
 max-width:60rem}
.sa-views .sa-view-title{font-weight:600;margin:.3rem 0}
.sa-views .sa-view-caption{font-weight:600;margin:.6rem 0 .2rem}
.sa-views :focus-visible{outline:3px solid #f0a202;outline-offset:2px}
"""


@dataclass(frozen=True)
class View:
    """A displayable view: ``kind`` (head, model, heads), its ``document`` and its words."""

    kind: str
    document: dict[str, Any]
    title: str
    labels: dict[str, str]

    def _repr_html_(self) -> str:
        element = f"sa-view-{uuid.uuid4().hex[:12]}"
        data = json.dumps({"doc": self.document, "labels": self.labels}, ensure_ascii=False, allow_nan=False)
        data = data.replace("</", "<\\/")  # the JSON cannot close its <script>
        title = _escape(self.title)
        fallback = _escape(self.labels.get("page_loading", "…"))
        return (
            f'<div class="sa-views" id="{element}" data-kind="{self.kind}">'
            f"<style>{_static('views.css')}{_CSS_EXTRA}</style>"
            f'<div class="sa-view-title">{title}</div>'
            f'<div class="sa-view-mount"><p class="sa-fallback">{fallback}</p></div>'
            f'<script type="application/json" class="sa-view-data">{data}</script>'
            "<script>(function () {\n"
            f"{_script()}\n"
            f'const root = document.getElementById("{element}");\n'
            'const { doc, labels } = JSON.parse(root.querySelector(".sa-view-data").textContent);\n'
            "const label = (key) => labels[key] ?? key;\n"
            'const mount = root.querySelector(".sa-view-mount");\n'
            f"{_MOUNT[self.kind]}\n"
            "})();</script></div>"
        )

    def __repr__(self) -> str:
        return f"View(kind={self.kind!r}, title={self.title!r})"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _labels(lang: str | None) -> dict[str, str]:
    """The language's labels, the English ones filling any gap (as the page does)."""
    language = get_language(lang or default_language())
    return {**get_language("en").labels, **language.labels}


def head_view(trace: AttentionTrace, query: int | str = 0, lang: str | None = None) -> View:
    """Lines from a query to every key of one head, thickness by weight (click another query).

    ``query`` is a traced query's position or token.
    """
    labels = _labels(lang)
    document = trace_view_document(trace)
    positions = document["query_indices"]
    index = trace.tokens.index(query) if isinstance(query, str) else int(query)
    document["row"] = positions.index(index) if index in positions else 0
    about = [f"{document['model']}" if "model" in document else ""]
    if "layer" in document:
        about.append(f"{labels['page_layer']} {document['layer']}")
    if "head" in document:
        about.append(f"{labels['page_head']} {document['head']}")
    title = " · ".join([labels["page_head_view"], *[a for a in about if a]])
    return View("head", document, title, labels)


def model_view(
    source: LayerTrace | str, model: str = "minilm", layer: int = 0, query: int | str = 0, lang: str | None = None
) -> View:
    """Every head of one layer side by side (click one to see its lines).

    ``source`` is a :class:`LayerTrace` (the toy layer, ``text_layer_trace``) or a sentence for
    a real ``model`` (its ``layer``, each head rebuilt and checked against the model's own
    attention).
    """
    labels = _labels(lang)
    if isinstance(source, LayerTrace):
        document = layer_trace_view_document(source)
        title = labels["page_pipe_heads"]
    else:
        found = layer_document(source, model, layer)
        document = {**found, "key_tokens": found["tokens"], "query_indices": list(range(len(found["tokens"])))}
        title = f"{found['model']} · " + labels["page_layer_view"].format(layer=layer)
    tokens = document["tokens"]
    index = tokens.index(query) if isinstance(query, str) and query in tokens else query
    document["row"] = index if isinstance(index, int) else 0
    document["head"] = 0
    document["sinks"] = None
    return View("model", document, title, labels)


def heads_view(
    text: str, query: int | str, key: int | str | None = None, model: str = "minilm", lang: str | None = None
) -> View:
    """Every layer x head of a real model at once: the weight from ``query`` to ``key`` (or
    each head's heaviest key), sink heads marked with ◆."""
    from ..sources.models import rank_heads

    labels = _labels(lang)
    document = heads_document(rank_heads(text, query, key, model, top=1))
    document["current"] = None
    names = {"query": document["query"]["token"], "key": (document["key"] or {}).get("token", "")}
    title = labels["page_heads_grid_help_key" if document["key"] else "page_heads_grid_help_top"].format(**names)
    return View("heads", document, title, labels)


def show(record: Any, lang: str | None = None, **options: Any) -> View:
    """The view that fits ``record``: a trace's head view, a layer's heads, or (for a
    :class:`~selfattention.sources.models.HeadsReport`) every head at a glance."""
    if isinstance(record, AttentionTrace):
        return head_view(record, lang=lang, **options)
    if isinstance(record, LayerTrace):
        return model_view(record, lang=lang, **options)
    if hasattr(record, "rows") and hasattr(record, "grid"):  # a HeadsReport (sources.models)
        labels = _labels(lang)
        document = {**heads_document(record), "current": None}
        return View("heads", document, labels["page_heads_grid"], labels)
    kind = type(record).__name__
    raise ViewTypeError(
        f"show() takes an AttentionTrace, a LayerTrace or a HeadsReport, not {kind}:"
        " build one with sa.trace, sa.text_layer_trace, sa.model_trace or sa.rank_heads",
        code="show_wrong_record",
        kind=kind,
    )
