"""Answer score and retrieval of the built index on question sets, fast enough to iterate.

    python benchmarks/tune_answers.py QUESTIONS.tsv [...] [--json OUT] [--failures]

Loads the index once and embeds each question once (vectors kept in --vector-cache, so a
second run embeds nothing), then measures what `kb eval` measures: top-1, top-5, MRR@10
per kind, and the answer score of the API's answer (`search_app.evaluation`) beside BM25
feeding the same answer code. The figures of docs/quality.md's answer table come from it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from indexer.embedders import get_embedder  # noqa: E402
from indexer.evaluate import DEPTH, evaluate, evaluate_answers, load_off_topic, load_questions  # noqa: E402
from indexer.search import Searcher, is_answered  # noqa: E402
from indexer.store import load_index  # noqa: E402
from kbcore.settings import load_settings  # noqa: E402


class CachedEmbedder:
    """The real embedder, with question vectors remembered on disk."""

    def __init__(self, embedder, path: Path):
        self.embedder, self.path = embedder, path
        self.vectors = dict(np.load(path, allow_pickle=True).item()) if path.exists() else {}
        self.describe = embedder.describe
        self.id, self.dim = embedder.id, embedder.dim

    def embed_queries(self, texts):
        missing = [t for t in texts if t not in self.vectors]
        if missing:
            for t, v in zip(missing, self.embedder.embed_queries(missing)):
                self.vectors[t] = v
            np.save(self.path, self.vectors, allow_pickle=True)
        return np.stack([self.vectors[t] for t in texts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("questions", nargs="+")
    parser.add_argument("--vector-cache", default="/tmp/kb-question-vectors.npy")
    parser.add_argument("--json", default=None)
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--systems", default="fused,lexical,bm25")
    parser.add_argument("--off-topic", default=None)
    parser.add_argument("--uniform-weights", action="store_true",
                        help="every question word weighs the same (no rarity weights)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a constant of search_app.answer (a configuration to measure)")
    args = parser.parse_args()

    from search_app import answer as answer_module
    from search_app.evaluation import answerers

    from indexer import lexical as lexical_module, search as search_module

    for item in args.set:
        name, _, value = item.partition("=")
        module = next(m for m in (search_module, lexical_module, answer_module) if hasattr(m, name))
        kind = type(getattr(module, name))
        setattr(module, name, value.lower() in ("1", "true", "ja") if kind is bool else kind(value))

    if args.uniform_weights:
        answer_module.TermWeights.from_lexical = classmethod(lambda cls, lexical: cls())
    settings = load_settings()
    index = load_index(settings.index_dir)
    searcher = Searcher(index, CachedEmbedder(get_embedder(settings), Path(args.vector_cache)), settings)
    systems = {k: v for k, v in answerers(searcher, index, settings).items()
               if k in args.systems.split(",")}
    out = {}
    for path in args.questions:
        questions = load_questions(path)
        ranking = evaluate(questions, lambda q: [h.passage for h in searcher.search(q, DEPTH)], index.passages)
        answers = {name: evaluate_answers(questions, answer) for name, answer in systems.items()}
        name = Path(path).name
        out[name] = {"retrieval": {k: ranking[k] for k in ("all", "by_kind", "by_lang")},
                     "answer": {k: {g: a[g] for g in ("all", "by_kind", "by_lang")} for k, a in answers.items()},
                     "failures": answers.get("fused", {}).get("failures", []),
                     "misses": ranking["misses"], "not_in_kb": ranking["not_in_kb"]}
        r = ranking["all"]
        line = f"{name:24} top1 {r['top1']:.3f} top5 {r['top5']:.3f} mrr {r['mrr10']:.3f} |"
        for sys_name, a in answers.items():
            line += f" {sys_name} {a['all']['score']:.3f}"
        print(line)
        for kind, s in ranking["by_kind"].items():
            print(f"    {kind:11} top1 {s['top1']:.3f} top5 {s['top5']:.3f} mrr {s['mrr10']:.3f} |" + "".join(
                f" {n} {a['by_kind'][kind]['score']:.3f}" for n, a in answers.items()))
        if ranking["not_in_kb"]:
            print("    not in kb:", [q["id"] for q in ranking["not_in_kb"]])
        if args.failures:
            ranks = {m["id"]: m["rank"] for m in ranking["misses"]}
            for f in out[name]["failures"]:
                print(f"  ## {f['id']} [{f['kind']}] rank {ranks.get(f['id'], 1)}: {f['question'][:110]}")
                for s in f["sentences"]:
                    print(f"       - {s[:160]}")
    refused = []
    for path in args.questions:
        for q in load_questions(path):
            if not is_answered(q.question, searcher.search(q.question, 1), settings.answer_threshold,
                               settings.answer_threshold_en):
                refused.append(q.id)
    print("on-topic refused:", len(refused), refused)
    if args.off_topic:
        off = load_off_topic(args.off_topic)
        answered = [q.id for q in off if is_answered(q.question, searcher.search(q.question, 1),
                                                      settings.answer_threshold, settings.answer_threshold_en)]
        print(f"off-topic refused: {len(off) - len(answered)}/{len(off)}; answered {answered}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
