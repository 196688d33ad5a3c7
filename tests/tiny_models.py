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


def _word_tokenizer(folder: Path, bos: bool = False) -> None:
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {w: i for i, w in enumerate(["<unk>", "<s>", "</s>", *WORDS, "The"])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    if bos:
        backend.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="</s>"
    )
    tokenizer.save_pretrained(folder)


#: decoders of today: (config class, model class, settings beyond the shared ones)
DECODERS = {
    # grouped-query attention: 4 query heads share 2 key/value heads; RoPE
    "llama": ("LlamaConfig", "LlamaForCausalLM", {}),
    # a sliding window of 4 keys on every layer
    "mistral": ("MistralConfig", "MistralForCausalLM", {"sliding_window": 4}),
    # layer 0 full, layer 1 a sliding window (its tokenizer is Qwen2's, which splits our words)
    "qwen2": (
        "Qwen2Config",
        "Qwen2ForCausalLM",
        {"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 1},
    ),
    # soft-capped scores: the capture must refuse it
    "gemma2": ("Gemma2Config", "Gemma2ForCausalLM", {"head_dim": 4, "sliding_window": 4}),
}


def decoder_like(
    folder: Path, kind: str = "llama", dtype: str = "float32", bos: bool = False, **overrides: object
) -> Path:
    """A 2-layer decoder (d_model 16, 4 query heads sharing 2 key/value heads, d_head 4, RoPE)
    with its language-model head and a word-level tokenizer (``bos``: it adds ``<s>`` first)."""
    import torch
    import transformers

    config_name, model_name, extra = DECODERS[kind]
    settings: dict[str, object] = dict(
        vocab_size=len(WORDS) + 4,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        intermediate_size=32,
        max_position_embeddings=40,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        tie_word_embeddings=True,
    )
    settings.update(extra)
    settings.update(overrides)
    torch.manual_seed(0)
    config = getattr(transformers, config_name)(**settings)
    model = getattr(transformers, model_name)(config).eval()
    with torch.no_grad():  # random weights make flat rows; sharper queries make better tests
        for name, parameter in model.named_parameters():
            if "q_proj" in name or "k_proj" in name:
                parameter.mul_(8.0)
    if dtype == "float64":
        model = model.double()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    _word_tokenizer(folder, bos)
    return folder
