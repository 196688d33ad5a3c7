"""A GGUF model de-quantized once, kept as an ordinary Hugging Face folder in the user's cache.

transformers reads a GGUF file (``gguf_file=``) by de-quantizing every tensor and converting
its tokenizer, about 20 s for SmolLM2-135M, and refuses ``save_pretrained`` on the result. So
the first load writes the de-quantized state dict (``model.safetensors``, float32), the config
and the tokenizer files to a folder of :func:`~.registry.cache_root` named after the GGUF's
SHA-256, and last ``source.json``: the GGUF's name, its SHA-256 and the size of the weights
written. A folder whose ``source.json`` is missing, names another SHA-256 or another size is
not trusted: it is built again. The folder is written beside its final place and renamed
into it, so a process killed half-way leaves no folder that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import ModelLoadError
from .registry import ResolvedModel

__all__ = ["SOURCE_FILE", "cache_is_valid", "ensure_cache"]

SOURCE_FILE = "source.json"
WEIGHTS_FILE = "model.safetensors"


def cache_is_valid(resolved: ResolvedModel) -> bool:
    """True when ``resolved.path`` holds a complete cache made from the checked GGUF."""
    try:
        source = json.loads((resolved.path / SOURCE_FILE).read_text(encoding="utf-8"))
        weights = resolved.path / WEIGHTS_FILE
        return (
            isinstance(source, dict)
            and source.get("gguf_sha256") == resolved.checked_sha256
            and source.get("weights_bytes") == weights.stat().st_size
            and (resolved.path / "config.json").is_file()
        )
    except (OSError, ValueError):
        return False


def ensure_cache(resolved: ResolvedModel, transformers: Any) -> None:
    """Build the de-quantized folder of ``resolved.gguf`` unless a valid one is there."""
    if resolved.gguf is None or cache_is_valid(resolved):
        return
    from safetensors.torch import save_file

    folder, gguf = resolved.gguf.parent, resolved.gguf.name
    quiet = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # the GGUF reader draws a progress bar of its own
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf, local_files_only=True, dtype="float32"
        )
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=gguf, local_files_only=True)
    except Exception as error:  # ImportError (gguf), OSError, ValueError: "cannot read this GGUF"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"cannot de-quantize model {resolved.name!r} from {resolved.gguf}: {first}"
            " (reading GGUF needs: pip install gguf accelerate)",
            code="model_gguf_unreadable",
            model=resolved.name,
            path=str(resolved.gguf),
            reason=first,
        ) from None
    finally:
        if quiet is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = quiet
    target = resolved.path
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    staging.chmod(0o755)
    try:
        state = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
        if getattr(model.config, "tie_word_embeddings", False):
            state.pop("lm_head.weight", None)  # tied to the embeddings: from_pretrained ties it again
        save_file(state, str(staging / WEIGHTS_FILE), metadata={"format": "pt"})
        model.config.architectures = [type(model).__name__]  # a GGUF config names no class
        model.config.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        source = {
            "gguf": gguf,
            "gguf_sha256": resolved.checked_sha256,
            "weights_bytes": (staging / WEIGHTS_FILE).stat().st_size,
        }
        (staging / SOURCE_FILE).write_text(json.dumps(source, indent=1), encoding="utf-8")
        if cache_is_valid(resolved):
            return  # another process finished first (the staging folder is removed below)
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)  # an incomplete or stale cache
        try:
            staging.rename(target)
        except OSError:
            if not cache_is_valid(resolved):  # not a race lost to another process: a real failure
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
