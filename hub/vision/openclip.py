"""EmbeddingModel on open_clip: CLIP image and text towers, with weights found offline.

open_clip would download a pretrained tag's weights whenever they are missing; a server must not
hang on the network at start-up, so tags are resolved here against the local Hugging Face cache
only, and the file found is handed to open_clip as a plain path. Downloading is fetch_weights()'s
job alone (the `hub models fetch` command)."""

from __future__ import annotations

import difflib
import functools
import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import open_clip
import torch
from PIL import Image

from hub.vision.base import EmbeddingModel, ModelWeightsMissing
from hub.vision.identity import HUB_MODEL_CONFIGS, model_id_for
from hub.vision.int8 import Int8Check, probe_images, quantize_image_tower
from hub.vision.settings import VisionSettings

log = logging.getLogger(__name__)

# open_clip's default file name in a Hugging Face repo, and the safetensors twin it prefers.
_HF_WEIGHTS = "open_clip_pytorch_model.bin"
_HF_SAFE_WEIGHTS = "open_clip_model.safetensors"
_FIX_WEIGHTS_HINT = (
    "run `hub models fetch` where internet is available, "
    "or set HUB_VISION__CHECKPOINT=/path/to/file"
)


@functools.cache
def register_model_configs() -> None:
    """Teach open_clip the hub's own architectures (hub-tiny), once per process."""
    open_clip.add_model_config(HUB_MODEL_CONFIGS)


def pretrained_config(architecture: str, tag: str) -> dict[str, Any]:
    """open_clip's record for a pretrained tag (Hugging Face repo, preprocessing); ValueError
    naming the known tags when the architecture has no such tag."""
    config: dict[str, Any] = open_clip.get_pretrained_cfg(architecture, tag)
    if not config:
        known = open_clip.list_pretrained_tags_by_model(architecture)
        raise ValueError(
            f"open_clip has no pretrained tag {tag!r} for architecture {architecture!r}; "
            f"known tags: {', '.join(known) or 'none'}. Set HUB_VISION__PRETRAINED to one of them,"
            " or set it empty and use HUB_VISION__CHECKPOINT or HUB_VISION__RANDOM_WEIGHTS_SEED"
        )
    return config


def hf_cache_dir(settings: VisionSettings) -> Path:
    """Where Hugging Face files are cached: the setting, else huggingface_hub's default (which
    honours HF_HOME and HF_HUB_CACHE)."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _hf_location(config: dict[str, Any]) -> tuple[str, list[str]]:
    """(repo id, file names to try, best first) for a tag's `hf_hub` entry, as open_clip reads
    it: "org/repo/" means the default weights file, "org/repo/file.bin" a named one."""
    repo_id, filename = os.path.split(config["hf_hub"])
    filename = filename or _HF_WEIGHTS
    candidates = [filename]
    if filename == _HF_WEIGHTS:
        candidates.insert(0, _HF_SAFE_WEIGHTS)
    elif filename.endswith((".bin", ".pth")):
        candidates.insert(0, filename[:-4] + ".safetensors")
    return repo_id, candidates


def _cached_weights(settings: VisionSettings, config: dict[str, Any]) -> Path | None:
    """The tag's weights file if it is in the local cache; never touches the network."""
    if config.get("file"):
        path = Path(config["file"])
        return path if path.is_file() else None
    if not config.get("hf_hub"):
        return None
    from huggingface_hub import try_to_load_from_cache

    repo_id, candidates = _hf_location(config)
    for filename in candidates:
        found = try_to_load_from_cache(repo_id, filename, cache_dir=hf_cache_dir(settings))
        if isinstance(found, str) and Path(found).is_file():
            return Path(found)
    return None


def _describe_needed(settings: VisionSettings, config: dict[str, Any]) -> str:
    if config.get("hf_hub"):
        repo_id, candidates = _hf_location(config)
        return f"{repo_id}/{candidates[-1]} under {hf_cache_dir(settings)}"
    if config.get("file"):
        return str(config["file"])
    return f"the file at {config.get('url')}"


def resolve_weights(settings: VisionSettings) -> Path | None:
    """The local weights file the settings call for, or None for random weights; raise
    ModelWeightsMissing (fast, offline) when that file is not here."""
    if settings.checkpoint is not None:
        if not settings.checkpoint.is_file():
            raise ModelWeightsMissing(
                f"the checkpoint {settings.checkpoint} is not a file: put the weights file there, "
                "or point HUB_VISION__CHECKPOINT at an existing .pt/.bin/.safetensors file "
                "(or unset it and run `hub models fetch` where internet is available)"
            )
        return settings.checkpoint
    if settings.pretrained:
        config = pretrained_config(settings.architecture, settings.pretrained)
        found = _cached_weights(settings, config)
        if found is None:
            raise ModelWeightsMissing(
                f"weights for {settings.architecture} / {settings.pretrained} are not in the local "
                f"cache: need {_describe_needed(settings, config)}; {_FIX_WEIGHTS_HINT}"
            )
        return found
    if settings.random_weights_seed is not None:
        return None
    raise ModelWeightsMissing(
        f"no weights configured for {settings.architecture}: set HUB_VISION__PRETRAINED to an "
        "open_clip tag and run `hub models fetch` where internet is available, or set "
        "HUB_VISION__CHECKPOINT=/path/to/file (or HUB_VISION__RANDOM_WEIGHTS_SEED for tests)"
    )


def fetch_weights(settings: VisionSettings) -> Path:
    """Download the pretrained tag's weights into the cache (for `hub models fetch`) and return
    the local file. A file already cached, or a configured checkpoint, is returned as is.
    RuntimeError when the download fails (no internet, offline mode, unknown repo)."""
    if settings.checkpoint is not None:
        resolve_weights(settings)  # raises when the file is not there
        return settings.checkpoint  # a local file: nothing to download
    if not settings.pretrained:
        raise ValueError(
            "nothing to fetch: HUB_VISION__PRETRAINED is not set (random or checkpoint weights)"
        )
    register_model_configs()
    config = pretrained_config(settings.architecture, settings.pretrained)
    cached = _cached_weights(settings, config)
    if cached is not None:
        return cached
    if not config.get("hf_hub"):
        raise RuntimeError(
            f"{settings.architecture} / {settings.pretrained} is not hosted on Hugging Face; "
            f"download {_describe_needed(settings, config)} by hand and set HUB_VISION__CHECKPOINT"
        )
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    repo_id, candidates = _hf_location(config)
    cache_dir = hf_cache_dir(settings)
    if constants.HF_HUB_OFFLINE:
        raise RuntimeError(
            f"cannot download {repo_id}: Hugging Face offline mode is on (HF_HUB_OFFLINE); "
            "unset it where internet is available"
        )
    _check_reachable(constants.ENDPOINT, repo_id)
    last_error: Exception | None = None
    for filename in candidates:
        try:
            return Path(hf_hub_download(repo_id, filename, cache_dir=cache_dir))
        except Exception as error:
            missing_remotely = isinstance(error, EntryNotFoundError) and not isinstance(
                error,
                LocalEntryNotFoundError,  # what huggingface_hub raises with no connection
            )
            if missing_remotely:  # no safetensors twin: try the next name
                last_error = error
                continue
            raise RuntimeError(
                f"could not download {repo_id}/{filename} into {cache_dir}; is there internet "
                "access? Elsewhere, copy the file to this machine and set "
                f"HUB_VISION__CHECKPOINT ({type(error).__name__}: {error})"
            ) from error
    raise RuntimeError(f"{repo_id} has none of {', '.join(candidates)}: {last_error}")


def _check_reachable(endpoint: str, repo_id: str) -> None:
    """Fail at once where the Hub's name does not even resolve (no internet), rather than after
    huggingface_hub's retries with back-off (about 20 seconds)."""
    host = urlsplit(endpoint).hostname or endpoint
    try:
        socket.getaddrinfo(host, 443)
    except OSError as error:
        raise RuntimeError(
            f"cannot download {repo_id}: {host} cannot be resolved ({error}); is there internet "
            "access? Elsewhere, copy the file to this machine and set HUB_VISION__CHECKPOINT"
        ) from error


def resolve_device(device: str) -> torch.device:
    """Pick CUDA for "auto" when torch sees a usable GPU; fail for "cuda" when it sees none."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("HUB_VISION__DEVICE is cuda, but torch sees no usable CUDA device")
    return torch.device(device)


class OpenClipModel(EmbeddingModel):
    """An open_clip CLIP model; load() once, then embed from any thread (calls are serialised,
    since concurrent inference only fights over the same cores or GPU)."""

    def __init__(self, *, settings: VisionSettings) -> None:
        """Check the architecture and tag now (no file or network access); load() later."""
        register_model_configs()
        if settings.architecture not in open_clip.list_models():
            close = difflib.get_close_matches(settings.architecture, open_clip.list_models(), n=5)
            raise ValueError(
                f"unknown open_clip architecture {settings.architecture!r}"
                + (f"; did you mean {', '.join(close)}?" if close else "")
                + " (open_clip.list_models() lists them all)"
            )
        if settings.checkpoint is None and settings.pretrained:
            pretrained_config(settings.architecture, settings.pretrained)
        self.settings = settings
        self.model_id = model_id_for(settings)
        self._lock = threading.Lock()
        # Where batches are encoded, `concurrent_batches` at once for all callers together.
        self._encoders = ThreadPoolExecutor(max_workers=settings.concurrent_batches,
                                            thread_name_prefix="clip-encode")
        self._model: Any = None
        self._preprocess: Callable[[Image.Image], torch.Tensor] | None = None
        self._tokenizer: Callable[[list[str]], torch.Tensor] | None = None
        self._device = torch.device("cpu")
        #: "float32", or "int8 image tower" where quantization is configured and kept (load()).
        self.precision = "float32"
        self.int8_check: Int8Check | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def device(self) -> torch.device:
        return self._device

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        settings = self.settings
        weights = resolve_weights(settings)
        device = resolve_device(settings.device)
        torch.set_num_threads(settings.threads or min(4, os.cpu_count() or 1))
        options: dict[str, Any] = {"device": device, "pretrained_text": False}
        if settings.checkpoint is None and settings.pretrained:
            # Loaded from a plain path, the tag's preprocessing and activation must be passed on.
            config = pretrained_config(settings.architecture, settings.pretrained)
            options["force_quick_gelu"] = bool(config.get("quick_gelu", False))
            options["image_mean"] = config.get("mean")
            options["image_std"] = config.get("std")
            options["image_interpolation"] = config.get("interpolation")
            options["image_resize_mode"] = config.get("resize_mode")
        if weights is None:
            # Random weights drawn from a private generator: deterministic, and the process's
            # global random state is left as it was.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(settings.random_weights_seed or 0)
                model, _, preprocess = open_clip.create_model_and_transforms(
                    settings.architecture, **options
                )
        else:
            log.info("loading %s weights from %s", settings.architecture, weights)
            model, _, preprocess = open_clip.create_model_and_transforms(
                settings.architecture, pretrained=str(weights), **options
            )
        model.eval()
        if settings.quantize == "int8" and device.type == "cpu":
            self.int8_check = quantize_image_tower(model, probe_images(preprocess))
            log.info("%s: %s", self.model_id, self.int8_check.reason)
            if self.int8_check.kept:
                self.precision = "int8 image tower"
        self._tokenizer = open_clip.get_tokenizer(settings.architecture)
        self._preprocess = preprocess
        self._device = device
        self.dimension = int(open_clip.get_model_config(settings.architecture)["embed_dim"])
        size = model.visual.preprocess_cfg.get("size", 224)
        self.image_size = int(size if isinstance(size, int) else max(size))
        self._model = model

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        self.load()
        assert self._preprocess is not None
        preprocess = self._preprocess
        if self._device.type == "cuda":
            # A GPU outruns one core's resizing by far (H200: ~280 images/s preprocessed on
            # one thread vs 21,000 through the model), so resize on every core; Pillow
            # releases the GIL while it resizes.
            pool = _preprocessing_pool()

            def stacked(batch: Sequence[Image.Image]) -> torch.Tensor:
                return torch.stack(list(pool.map(preprocess, batch)))
        else:
            def stacked(batch: Sequence[Image.Image]) -> torch.Tensor:
                return torch.stack([preprocess(image) for image in batch])
        return self._run((stacked(batch) for batch in self._batches(images)), len(images),
                         self._model.encode_image)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        assert self._tokenizer is not None
        tokenizer = self._tokenizer
        return self._run(
            (tokenizer(list(batch)) for batch in self._batches(texts)),
            len(texts),
            self._model.encode_text,
        )

    def _batches(self, items: Sequence[Any]) -> Iterator[Sequence[Any]]:
        size = self.settings.batch_size
        for start in range(0, len(items), size):
            yield items[start : start + size]

    def _run(
        self,
        inputs: Iterator[torch.Tensor],
        count: int,
        encode: Callable[..., torch.Tensor],
    ) -> np.ndarray:
        """Encode batch after batch on the encoder threads; normalise in float32 whatever the
        model's precision.

        Each batch is prepared (resized, stacked, tokenised) in the calling thread while the
        ones before it encode, at most `concurrent_batches` ahead; the encoder threads take the
        batches of every caller in turn, so two callers (an auto-tag job's overlapping chunks)
        encode side by side, as the batches of one long call do."""
        if count == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        autocast = self.settings.cuda_autocast

        def encoded(batch: torch.Tensor) -> np.ndarray:
            # Both modes are per thread: set here, in the encoder thread.
            with torch.inference_mode(), torch.autocast(
                "cuda", dtype=getattr(torch, autocast if autocast != "none" else "float32"),
                enabled=self._device.type == "cuda" and autocast != "none",
            ):
                features = encode(batch.to(self._device, non_blocking=True)).float()
                features = torch.nn.functional.normalize(features, dim=-1)
            return features.cpu().numpy()

        rows: list[np.ndarray] = []
        pending: deque[Future[np.ndarray]] = deque()
        for batch in inputs:
            pending.append(self._encoders.submit(encoded, batch))
            if len(pending) > self.settings.concurrent_batches:
                rows.append(pending.popleft().result())
        rows.extend(future.result() for future in pending)
        return np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)


@functools.cache
def _preprocessing_pool() -> ThreadPoolExecutor:
    """One pool per process, one thread per core, for GPU runners' image preprocessing."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1,
                              thread_name_prefix="clip-preprocess")
