"""Tiny random Hugging Face models built from configs: seeded, fast, no download.

Each is saved with save_pretrained (weights, config and a small tokenizer) to a folder, so
that tests also exercise loading a local folder the way a user's model is loaded.
"""

from __future__ import annotations

from pathlib import Path

SENTENCE = "The animal didn't cross the street because it was too tired."
WORDS = ["the", "animal", "didn", "'", "t", "cross", "street", "because", "it", "was", "too", "tired", "."]


def bert_like(folder: Path, model_type: str = "bert", dtype: str = "float64", **overrides: object) -> Path:
    """A 2-layer, 4-head, d_model 16 (d_head 4) BERT-family model with a WordPiece tokenizer."""
    import torch
    import transformers
    from transformers import BertTokenizer

    classes = {
        "bert": (transformers.BertConfig, transformers.BertModel),
        "roberta": (transformers.RobertaConfig, transformers.RobertaModel),
        "electra": (transformers.ElectraConfig, transformers.ElectraModel),
    }
    config_class, model_class = classes[model_type]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    settings = dict(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=32,
        max_position_embeddings=40,
        pad_token_id=0,
    )
    if model_type == "electra":
        settings["embedding_size"] = 8  # ELECTRA projects its embeddings up to hidden_size
    settings.update(overrides)
    torch.manual_seed(0)
    model = model_class(config_class(**settings)).eval()
    if dtype == "float64":
        model = model.double()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizer(str(folder / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(folder)
    return folder


def gpt2_like(folder: Path, dtype: str = "float64", **overrides: object) -> Path:
    """A 2-layer, 4-head, d_model 16 GPT-2 with a word-level tokenizer (no BPE merges needed)."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {w: i for i, w in enumerate(["<unk>", "<|endoftext|>", *WORDS, "The"])}
    settings = dict(vocab_size=len(vocab), n_embd=16, n_layer=2, n_head=4, n_positions=40)
    settings.update(overrides)
    torch.manual_seed(0)
    model = transformers.GPT2Model(transformers.GPT2Config(**settings)).eval()
    if dtype == "float64":
        model = model.double()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", eos_token="<|endoftext|>", bos_token="<|endoftext|>"
    )
    tokenizer.save_pretrained(folder)
    return folder
