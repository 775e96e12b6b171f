"""Measure retrieval quality for every configuration we tried; prints a Markdown table.

    python benchmarks/tune_quality.py PASSAGES.jsonl QUESTIONS.tsv [...] [--off-topic OFF.tsv]

Varies, one at a time from the chosen settings: the text that is embedded, the Dutch
stemmer, compound splitting, fusion method and weight. Indexes are built in memory (the
vectors come from the embedding cache, so only new texts are embedded). The figures go
into docs/quality.md; the chosen values are the defaults in indexer/.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from indexer import lexical, passages as passages_mod, search, textproc  # noqa: E402
from indexer.baselines import PlainBM25  # noqa: E402
from indexer.cache import EmbeddingCache, text_key  # noqa: E402
from indexer.dense import DenseIndex, build_dense  # noqa: E402
from indexer.embedders import get_embedder  # noqa: E402
from indexer.evaluate import evaluate, load_off_topic, load_questions  # noqa: E402
from indexer.passages import read_passages  # noqa: E402
from indexer.store import LoadedIndex  # noqa: E402
from kbcore.settings import load_settings  # noqa: E402

EMBED_TEXTS = {
    "text": lambda p: p["text"],
    "heading+text": passages_mod.embedding_text,
    "title+text": lambda p: f"{p['title']}\n{p['text']}",
}


def embed(embedder, texts, cache_dir, shared_dir=None):
    """Vectors from the variant's own cache (or a shared one), embedding only what is missing."""
    cache = EmbeddingCache(cache_dir, embedder.describe())
    keys = [text_key(embedder.passage_prefix + t) for t in texts]
    vectors, missing = cache.lookup(keys)
    if missing and shared_dir:
        shared, still = EmbeddingCache(shared_dir, embedder.describe()).lookup([keys[i] for i in missing])
        vectors[missing] = shared
        missing = [missing[j] for j in still]
    if missing:
        vectors[missing] = embedder.embed_passages([texts[i] for i in missing], progress=True)
    cache.save(keys, vectors)
    return vectors


def top_score(searcher, question, mode):
    hits = searcher.search(question, 1, mode=mode)
    return hits[0].score if hits else 0.0


class QueryCache:
    """Embeds each question once for all configurations."""

    def __init__(self, embedder):
        self.embedder, self.vectors = embedder, {}
        self.describe = embedder.describe
        self.id, self.dim = embedder.id, embedder.dim
        self.query_prefix, self.passage_prefix = embedder.query_prefix, embedder.passage_prefix

    def embed_queries(self, texts):
        missing = [t for t in texts if t not in self.vectors]
        if missing:
            for t, v in zip(missing, self.embedder.embed_queries(missing)):
                self.vectors[t] = v
        return np.stack([self.vectors[t] for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("passages")
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--cache-dir", default="/tmp/kb-tune-cache")
    parser.add_argument("--off-topic", default=None, help="TSV met vragen die geweigerd moeten worden")
    args = parser.parse_args()
    settings = load_settings(env={})
    passages, _ = read_passages(Path(args.passages))
    sets = {Path(q).name: load_questions(q) for q in args.questions}
    embedder = QueryCache(get_embedder(settings))
    vectors = {name: embed(embedder.embedder, [f(p) for p in passages], Path(args.cache_dir) / name, args.cache_dir)
               for name, f in EMBED_TEXTS.items()}
    rows = []

    off_topic = load_off_topic(args.off_topic) if args.off_topic else []

    def run(label, lex_index, dense_name, mode, method="weighted", weight=None, **attrs):
        index = LoadedIndex(Path("."), {"embedder": embedder.describe()}, passages,
                            DenseIndex(build_dense(vectors[dense_name], 10**9)), lex_index)
        s = settings.replace(fusion_weight=weight if weight is not None else settings.fusion_weight)
        searcher = search.Searcher(index, embedder, s, method=method)
        for key, value in attrs.items():
            setattr(searcher, key, value)
        cells, tops = [], []
        for name, qs in sets.items():
            report = evaluate(qs, lambda q: [h.passage for h in searcher.search(q, 10, mode=mode)], passages)
            a = report["all"]
            en = report["by_lang"].get("en", {}).get("top5", float("nan"))
            cells.append(f"{a['top1']:.3f} | {a['top5']:.3f} | {a['mrr10']:.3f} | {en:.2f}")
            tops += [top_score(searcher, q.question, mode) for q in qs]
        if off_topic:
            threshold = min(tops)
            off = [top_score(searcher, q.question, mode) for q in off_topic]
            cells.append(f"{sum(o < threshold for o in off)}/{len(off)} (t={threshold:.3f})")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)

    header = "| configuration | " + " | ".join(f"{n} top-1 | top-5 | MRR@10 | en top-5" for n in sets)
    header += " | off-topic refused, no on-topic refused |" if off_topic else " |"
    print(header)
    print("|" + "---|" * (1 + 4 * len(sets) + bool(off_topic)))
    # Baseline: plain BM25, Snowball "dutch", Snowball stop words, passage text only.
    plain = PlainBM25([p["text"] for p in passages])
    cells = []
    for name, qs in sets.items():
        a = evaluate(qs, lambda q: [passages[i] for i in plain.top(q, 10)], passages)
        en = a["by_lang"].get("en", {}).get("top5", float("nan"))
        cells.append(f"{a['all']['top1']:.3f} | {a['all']['top5']:.3f} | {a['all']['mrr10']:.3f} | {en:.2f}")
    rows.append("| baseline: plain BM25 (Snowball dutch, text only) | " + " | ".join(cells) + " |")
    print(rows[-1], flush=True)

    lex_texts = [passages_mod.lexical_text(p) for p in passages]
    variants = {}
    for algo in ("dutch_porter", "dutch"):
        textproc._stemmer = textproc.Stemmer.Stemmer(algo)
        textproc.stem.cache_clear()
        for split in (True, False):
            started = time.perf_counter()
            idx = lexical.LexicalIndex.build(lex_texts, split)
            variants[(algo, split)] = idx
            run(f"lexical only: {algo}, compounds={'on' if split else 'off'}", idx, "heading+text", "lexical")
            print(f"  (built in {time.perf_counter() - started:.2f} s)", file=sys.stderr)
        # keep the stemmer of the variant for its queries: evaluate fused here too
        run(f"fused weighted 0.5: {algo}, compounds=on", variants[(algo, True)], "heading+text", "fused")
    textproc._stemmer = textproc.Stemmer.Stemmer(textproc.STEMMER_ALGORITHM)
    textproc.stem.cache_clear()
    best_lex = lexical.LexicalIndex.build(lex_texts, True)
    only_text_lex = lexical.LexicalIndex.build([p["text"] for p in passages], True)
    run("lexical only: chosen, BM25 over text without heading", only_text_lex, "heading+text", "lexical")
    for name in EMBED_TEXTS:
        run(f"dense only: embed {name}", best_lex, name, "dense")
    run("fused weighted, w=0.5, no English expansion", best_lex, "heading+text", "fused",
        "weighted", 0.5, expand_english=False)
    run("fused weighted, w=0.5, English expansion for dense too", best_lex, "heading+text",
        "fused", "weighted", 0.5, expand_english_dense=True)
    run("lexical only: chosen, no English expansion", best_lex, "heading+text", "lexical",
        expand_english=False)
    for w in (0.3, 0.4, 0.5, 0.6, 0.7):
        run(f"fused weighted (fixed bounds 0.70-0.95), w={w}", best_lex, "heading+text", "fused", "weighted", w)
    for w in (0.4, 0.5, 0.6):
        run(f"fused weighted (question background), w={w}", best_lex, "heading+text", "fused",
            "weighted-background", w)
    for scale in (0.08, 0.16):
        run(f"fused weighted (question background), w=0.6, scale={scale}", best_lex, "heading+text", "fused",
            "weighted-background", 0.6, dense_scale=scale)
    for half in (4.0, 16.0):
        run(f"fused weighted, w=0.5, BM25 half={half}", best_lex, "heading+text", "fused",
            "weighted", 0.5, lexical_half=half)
    for w in (0.3, 0.5, 0.7):
        run(f"fused weighted (min-max), w={w}", best_lex, "heading+text", "fused", "minmax", w)
    run("fused RRF (k=60)", best_lex, "heading+text", "fused", "rrf")

if __name__ == "__main__":
    main()
