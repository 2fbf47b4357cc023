"""The ``semantic`` matcher: word-embedding similarity with wordllama (the [semantic] extra).

wordllama (MIT) ships its 256-dimension ``l2_supercat`` token embeddings
(16 MB) and tokenizer inside its wheel, so nothing is downloaded: this module
loads them from the package's own folder with downloads disabled. (wordllama
0.4.0 looks for the tokenizer in a folder named ``tokenizer`` while the wheel
ships ``tokenizers``; pointing ``cache_dir`` at the package folder finds both.)
Licences: docs/authoring.md, "Say it your way".

Loading takes about half a second (mostly importing), so it is a separate,
explicit step: :meth:`SemanticMatcher.load`, which the TUI calls off the UI
thread. Texts are embedded once per node; a typed reply costs one embedding.

A reply's score blends the embedding cosine with the ``ngram`` matcher's score,
since each catches what the other misses: embeddings hear "refund" in "money
back", character grams hear "CloudVault" and "KB-2231", which embeddings of
unseen names blur (measured on the tuning half: the embedding alone heard 93.9 %
of the loosely worded lines, the blend 96.5 %). Off-topic input is caught by
the threshold on the blend. Off-topic anchor sentences ("none of these") were
tried and rejected no more off-topic input there, so they are not used.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from simulator.matching.base import ScoringMatcher, Settings
from simulator.matching.cache import NodeCache
from simulator.matching.ngram import NgramMatcher, reply_texts
from simulator.matching.text import normalise
from simulator.model import Node

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NAME: Final = "semantic"
MODEL: Final = "l2_supercat"
DIMENSIONS: Final = 256
#: Share of the score from the embedding cosine; the rest is the ngram matcher's score.
EMBEDDING_WEIGHT: Final = 0.5
SETTINGS: Final = Settings(threshold=0.3, margin=0.04, close=0.55)


def missing_extra() -> str:
    """Why the semantic matcher cannot run here ('' when it can)."""
    for module in ("wordllama", "numpy"):
        if importlib.util.find_spec(module) is None:
            return (
                f"the semantic matcher needs {module}, which is not installed — "
                "install it with: pip install 'talkdown[semantic]'"
            )
    return ""


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise RuntimeError(missing_extra())
    return Path(spec.origin).parent


def wordllama_version() -> str:
    """The installed wordllama's version ('' when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wordllama")
    except PackageNotFoundError:
        return ""


@dataclass(frozen=True, slots=True)
class _Index:
    texts: tuple[Any, ...]  # per reply: unit vectors of its texts, shape (k, dims)


class SemanticMatcher(ScoringMatcher):
    """wordllama embeddings blended with character n-grams."""

    def __init__(self, settings: Settings = SETTINGS) -> None:
        self.name = NAME
        self.version = f"1+wordllama-{wordllama_version() or 'missing'}-{MODEL}-{DIMENSIONS}"
        self.settings = settings
        self._model: Any = None
        self._lock = threading.Lock()
        self._ngram = NgramMatcher()
        self._cache: NodeCache[_Index] = NodeCache(self._index)

    @property
    def ready(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the embeddings from the installed wheel (no network); safe from any thread."""
        with self._lock:
            if self._model is not None:
                return
            problem = missing_extra()
            if problem:
                raise RuntimeError(problem)
            # wordllama configures the root logger when imported; keep ours as it was.
            root = logging.getLogger()
            handlers, level = list(root.handlers), root.level
            try:
                from wordllama import WordLlama
            finally:
                root.handlers[:] = handlers
                root.setLevel(level)
            model = WordLlama.load(
                config=MODEL, dim=DIMENSIONS, cache_dir=_package_dir(), disable_download=True
            )
            self._model = model

    @staticmethod
    def _embed(model: Any, texts: list[str]) -> npt.NDArray[np.float32]:
        import numpy as np

        vectors: npt.NDArray[np.float32] = model.embed(texts, norm=False)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0  # text with no known token: a zero vector scores 0
        out: npt.NDArray[np.float32] = vectors / norms
        return out

    def _index(self, node: Node) -> _Index:
        self.load()
        texts = reply_texts(node)
        flat = [t for reply in texts for t in reply]
        vectors = self._embed(self._model, flat)
        out: list[Any] = []
        start = 0
        for reply in texts:
            out.append(vectors[start : start + len(reply)])
            start += len(reply)
        return _Index(tuple(out))

    def scores(self, node: Node, text: str) -> list[float]:
        self.load()
        index = self._cache.get(node)
        query = self._embed(self._model, [normalise(text)])[0]
        grams = self._ngram.scores(node, text)
        weight = EMBEDDING_WEIGHT
        return [
            weight * max(0.0, float((vectors @ query).max())) + (1.0 - weight) * gram
            for vectors, gram in zip(index.texts, grams, strict=True)
        ]
