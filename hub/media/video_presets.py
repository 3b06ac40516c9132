"""Video presets: the `[video_presets.<name>]` tables of the presets file, read and checked.

They live in the same file as the image presets (see presets.toml's header for every key) and
are loaded next to them; a bad key or value fails at start-up with a message naming both."""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.media.renditions import DEFAULT_PRESETS_PATH, PRESET_MAX_SIDE, PRESET_NAME

VIDEO_FITS = ("contain", "cover")
# Which codecs each container may carry (what browsers play from it).
CONTAINER_CODECS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mp4": (("h264", "av1"), ("aac", "none")),
    "webm": (("vp9", "av1"), ("opus", "none")),
}
CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
# Constant-quality factor per codec: its range, and the default when a preset leaves it out.
CRF_RANGES = {"h264": (0, 51), "vp9": (0, 63), "av1": (0, 63)}
DEFAULT_CRF = {"h264": 23, "vp9": 33, "av1": 35}
DEFAULT_AUDIO_KBPS = 128

_KEYS = frozenset({"width", "height", "fit", "container", "video_codec", "audio_codec", "crf",
                   "audio_kbps", "max_seconds", "description"})


@dataclass(frozen=True)
class VideoPreset:
    """A video rendition made for every video asset by the worker's transcode jobs."""

    name: str
    width: int
    height: int
    fit: str
    container: str
    video_codec: str
    audio_codec: str  # "none": a silent output
    crf: int
    audio_kbps: int
    max_seconds: float | None  # None: the whole video
    description: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.container]

    @property
    def digest(self) -> str:
        """Changes whenever a setting that shapes the output changes (not the description)."""
        shaping = (self.width, self.height, self.fit, self.container, self.video_codec,
                   self.audio_codec, self.crf, self.audio_kbps, self.max_seconds)
        return hashlib.sha256(repr(shaping).encode()).hexdigest()[:12]


def load_video_presets(path: Path | None = None) -> dict[str, VideoPreset]:
    """Read and check the `[video_presets.*]` tables (none at all is allowed: no transcoding).
    Their names must differ from the image presets': renditions are found by preset name."""
    path = path or DEFAULT_PRESETS_PATH
    with path.open("rb") as file:
        document = tomllib.load(file)
    tables = document.get("video_presets", {})
    if not isinstance(tables, dict):
        raise ValueError(f"{path.name}: video_presets must be tables [video_presets.<name>]")
    clashing = sorted(set(tables) & set(document.get("presets") or {}))
    if clashing:
        raise ValueError(f"{path.name}: {clashing} name both an image and a video preset; "
                         "rename one of them")
    return {name: _parse(name, table) for name, table in tables.items()}


def _parse(name: str, table: Any) -> VideoPreset:
    if not PRESET_NAME.fullmatch(name):
        raise ValueError(f"video preset {name!r}: name must be lower-case letters, digits, "
                         "'-' or '_'")
    if not isinstance(table, dict):
        raise ValueError(f"video preset {name!r}: must be a table of keys")
    for key in table:
        if key not in _KEYS:
            raise _error(name, key, f"unknown key; known: {', '.join(sorted(_KEYS))}")
    for key in ("width", "height", "fit", "container", "video_codec", "audio_codec"):
        if key not in table:
            raise _error(name, key, "missing")
    width = _int(name, table, "width", 2, PRESET_MAX_SIDE)
    height = _int(name, table, "height", 2, PRESET_MAX_SIDE)
    fit = _choice(name, table, "fit", VIDEO_FITS)
    container = _choice(name, table, "container", tuple(CONTAINER_CODECS))
    video_codecs, audio_codecs = CONTAINER_CODECS[container]
    video_codec = _choice(name, table, "video_codec", video_codecs)
    audio_codec = _choice(name, table, "audio_codec", audio_codecs)
    low, high = CRF_RANGES[video_codec]
    crf = _int(name, table, "crf", low, high, DEFAULT_CRF[video_codec])
    audio_kbps = _int(name, table, "audio_kbps", 16, 512, DEFAULT_AUDIO_KBPS)
    max_seconds = table.get("max_seconds")
    if max_seconds is not None and (isinstance(max_seconds, bool)
                                    or not isinstance(max_seconds, int | float)
                                    or not math.isfinite(max_seconds) or max_seconds <= 0):
        raise _error(name, "max_seconds", f"must be a positive number, not {max_seconds!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise _error(name, "description", "must be a string")
    return VideoPreset(name=name, width=width, height=height, fit=fit, container=container,
                       video_codec=video_codec, audio_codec=audio_codec, crf=crf,
                       audio_kbps=audio_kbps,
                       max_seconds=None if max_seconds is None else float(max_seconds),
                       description=description)


def _error(name: str, key: str, problem: str) -> ValueError:
    return ValueError(f"video preset {name!r}, key {key!r}: {problem}")


def _int(name: str, table: dict[str, Any], key: str, low: int, high: int,
         default: int | None = None) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(name, key, f"must be an integer from {low} to {high}, not {value!r}")
    return value


def _choice(name: str, table: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = table.get(key)
    if value not in choices:
        raise _error(name, key, f"must be one of {', '.join(choices)}, not {value!r}")
    return str(value)
