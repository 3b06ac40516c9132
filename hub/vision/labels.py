"""Zero-shot label suggestions: compare an image's vector with the vectors of words.

No training: each label of a vocabulary (vocabulary.toml) becomes a text vector once per model,
and an image gets the labels its vector is closest to, group by group. Suggestions are hints for
an editor, never facts; the thresholds keep the weak ones out."""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hub.vision.base import EmbeddingModel

DEFAULT_VOCABULARY = Path(__file__).resolve().parent / "vocabulary.toml"
# CLIP's learned temperature, fixed at its ceiling in training: logits are 100 x cosine.
CLIP_LOGIT_SCALE = 100.0
_GROUP_KEYS = frozenset({"labels", "templates", "threshold", "max_labels", "describe"})
_PLACEHOLDER = "{label}"


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    group: str
    confidence: float  # the label's probability within its group, 0..1


@dataclass(frozen=True, slots=True)
class LabelGroup:
    """Labels that compete with each other (one colour against the other colours)."""

    name: str
    labels: tuple[str, ...]
    templates: tuple[str, ...]
    threshold: float
    max_labels: int
    describe: Mapping[str, str] = field(default_factory=dict)

    def prompts(self, label: str) -> tuple[str, ...]:
        """The texts whose mean vector stands for `label`."""
        wording = self.describe.get(label, label)
        return tuple(template.replace(_PLACEHOLDER, wording) for template in self.templates)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    groups: tuple[LabelGroup, ...]


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read and check a vocabulary file (the one beside this module by default); ValueError
    naming the file, group and key at fault."""
    source = path or DEFAULT_VOCABULARY
    try:
        with source.open("rb") as file:
            document = tomllib.load(file)
    except OSError as error:
        raise ValueError(f"cannot read the labels vocabulary {source}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the labels vocabulary {source} is not valid TOML: {error}") from error
    return parse_vocabulary(document, source=str(source))


def parse_vocabulary(document: Mapping[str, Any], *, source: str = "vocabulary") -> Vocabulary:
    """Build a Vocabulary from parsed TOML (tests build small ones from dicts)."""
    if not document:
        raise ValueError(f"{source}: no label groups")
    groups = []
    for name, table in document.items():
        where = f"{source}: group [{name}]"
        if not isinstance(table, Mapping):
            raise ValueError(f"{where} must be a table, not {type(table).__name__}")
        unknown = sorted(set(table) - _GROUP_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (known: {sorted(_GROUP_KEYS)})")
        for key in ("labels", "templates", "threshold", "max_labels"):
            if key not in table:
                raise ValueError(f"{where}: missing key {key!r}")
        labels = _strings(table["labels"], f"{where} key 'labels'")
        if len(set(labels)) != len(labels):
            duplicate = next(label for label in labels if labels.count(label) > 1)
            raise ValueError(f"{where} key 'labels': {duplicate!r} appears twice")
        templates = _strings(table["templates"], f"{where} key 'templates'")
        for template in templates:
            if _PLACEHOLDER not in template:
                raise ValueError(f"{where} key 'templates': {template!r} lacks {_PLACEHOLDER}")
        threshold = table["threshold"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise ValueError(f"{where} key 'threshold' must be a number, not {threshold!r}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"{where} key 'threshold' must be in (0, 1], not {threshold}")
        max_labels = table["max_labels"]
        if isinstance(max_labels, bool) or not isinstance(max_labels, int) or max_labels < 1:
            raise ValueError(
                f"{where} key 'max_labels' must be an integer >= 1, not {max_labels!r}"
            )
        describe = table.get("describe", {})
        if not isinstance(describe, Mapping):
            raise ValueError(f"{where} key 'describe' must be a table of label = \"wording\"")
        for label, wording in describe.items():
            if label not in labels:
                raise ValueError(f"{where} key 'describe': {label!r} is not one of its labels")
            if not isinstance(wording, str) or not wording.strip():
                raise ValueError(f"{where} key 'describe': {label!r} needs a non-empty string")
        groups.append(
            LabelGroup(
                name=name,
                labels=tuple(labels),
                templates=tuple(templates),
                threshold=float(threshold),
                max_labels=max_labels,
                describe=dict(describe),
            )
        )
    return Vocabulary(groups=tuple(groups))


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where} must be a non-empty list of strings")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where}: {item!r} is not a non-empty string")
    return [item.strip() for item in value]


# Label vectors per (model_id, group prompts): text encoding is the slow part, and labellers are
# cheap to create, so the vectors outlive them.
_vectors_lock = threading.Lock()
_label_vectors: dict[tuple[str, tuple[tuple[str, ...], ...]], np.ndarray] = {}


class ZeroShotLabeler:
    """Suggests vocabulary labels for image vectors of `model`.

    The first suggest() (or prepare()) encodes every label's prompts with the model: slow like
    any model call, so run it in a thread."""

    def __init__(self, *, model: EmbeddingModel, vocabulary: Vocabulary) -> None:
        self.model = model
        self.vocabulary = vocabulary

    def prepare(self) -> None:
        """Encode the label vectors now rather than on the first suggest()."""
        for group in self.vocabulary.groups:
            self._group_vectors(group)

    def _group_vectors(self, group: LabelGroup) -> np.ndarray:
        """(labels, dimension): each label's prompt vectors averaged, then re-normalised."""
        prompts = tuple(group.prompts(label) for label in group.labels)
        key = (self.model.model_id, prompts)
        with _vectors_lock:
            cached = _label_vectors.get(key)
            if cached is not None:
                return cached
            texts = [text for label_prompts in prompts for text in label_prompts]
            vectors = self.model.embed_texts(texts)
            vectors = vectors.reshape(len(group.labels), len(group.templates), -1)
            means = vectors.mean(axis=1)
            norms = np.linalg.norm(means, axis=1, keepdims=True)
            label_vectors = (means / np.maximum(norms, 1e-12)).astype(np.float32)
            _label_vectors[key] = label_vectors
            return label_vectors

    def suggest(self, image_vectors: np.ndarray) -> list[list[Suggestion]]:
        """For each image vector (rows of unit length, from the same model): its suggestions,
        group by group in vocabulary order, best first within a group."""
        vectors = np.asarray(image_vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected an (n, dimension) array of vectors, got {vectors.shape}")
        suggestions: list[list[Suggestion]] = [[] for _ in range(len(vectors))]
        for group in self.vocabulary.groups:
            label_vectors = self._group_vectors(group)
            if vectors.shape[1] != label_vectors.shape[1]:
                raise ValueError(
                    f"image vectors have {vectors.shape[1]} dimensions, but {self.model.model_id} "
                    f"makes {label_vectors.shape[1]}: were they made by another model?"
                )
            probabilities = _softmax(CLIP_LOGIT_SCALE * (vectors @ label_vectors.T))
            for row, image_probabilities in zip(suggestions, probabilities, strict=True):
                best_first = np.argsort(-image_probabilities, kind="stable")[: group.max_labels]
                row.extend(
                    Suggestion(group.labels[i], group.name, float(image_probabilities[i]))
                    for i in best_first
                    if image_probabilities[i] >= group.threshold
                )
        return suggestions


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, in float64 so that logits of +-100 neither overflow nor round to 0."""
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exponentials = np.exp(shifted)
    result: np.ndarray = exponentials / exponentials.sum(axis=1, keepdims=True)
    return result
