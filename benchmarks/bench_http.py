"""Latency and throughput of the search API over HTTP, as people get it from `kb serve`.

Starts `kb serve` on a free loopback port (or uses ``--url``), warms it up with every
question once, then asks the dev questions (/work/shared/eval/dev-questions.tsv) in
rounds at 1, 8 and 32 concurrent clients, each client on its own keep-alive connection.
Prints p50/p99 latency, throughput and errors per level, and the cost of odd questions
alone (500 emoji, accented letters, mixed scripts, long Dutch) against a normal one; with ``--write-docs`` it also
replaces the section "Zoek-API over HTTP" of docs/benchmarks.md. Bounded: at most
``--rounds`` passes over the questions and ``--max-seconds`` per level. Exit status 1 when
any request failed (the target is zero errors).

``--compare`` measures two set-ups in one run, because this machine is shared and its speed
drifts: one worker process (as `kb serve` was before it had workers) and the default
number of workers (one per core). Both servers run side by side; the runs alternate
between them, level by level, so both see the same background load.

    .venv/bin/python benchmarks/bench_http.py                      # _build/html + _build/index
    .venv/bin/python benchmarks/bench_http.py --compare --write-docs
    .venv/bin/python benchmarks/bench_http.py --workers 1 --site-dir X --index-dir Y
    .venv/bin/python benchmarks/bench_http.py --url http://127.0.0.1:8000
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_QUESTIONS = REPO.parent / "shared" / "eval" / "dev-questions.tsv"
DOCS = REPO / "docs" / "benchmarks.md"
SECTION_TITLE = "Zoek-API over HTTP"
SECTION_LABEL = "(benchmarks-zoek-api-http)="
TARGETS_MS = {"p50": 20.0, "p99": 40.0}  # at one client (issue 5)
#: Questions that once cost far more than their length suggests (issue #11: 0.73 s for 500
#: emoji against 15 ms for "regie"), each asked alone, one client: at most ODD_TARGET times
#: a normal question.
ODD_QUESTIONS = {
    "regie": "regie",
    "500 emoji": "😀🎉👍🔥" * 125,
    "500 letters met accent": ("éàüöçñ" * 84)[:500],
    "500 tekens gemengd schrift": ("Привет мир 你好 مرحبا " * 25)[:500],
    "500 tekens Nederlands": ("Ik werk in een wijkteam en heb een gezin met drie kinderen waar de moeder ziek is "
                              "en de vader werkloos; er zijn schulden en de school maakt zich zorgen over de "
                              "oudste. Er zijn al vijf hulpverleners betrokken en niemand weet wie wat doet. "
                              "Wie voert hier de regie en hoe spreek ik dat af met de aanbieders? ") * 2,
}
ODD_TARGET = 5.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    values = sorted(values)
    if not values:
        return float("nan")
    rank = max(1, int(round(p / 100 * len(values) + 0.4999)))
    return values[min(rank, len(values)) - 1]


@dataclass
class LevelResult:
    clients: int
    run: int = 1
    config: str = ""  # which set-up was measured (with --compare)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile (p in 0..100) of the successful requests."""
        return percentile(self.latencies_ms, p)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def read_questions(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row["question"] for row in csv.DictReader(f, delimiter="\t") if row.get("question")]


class Client:
    """One keep-alive HTTP connection; reconnects if the server closed it."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def reset(self) -> None:
        """A fresh connection after a failed request (a timed-out one cannot be reused)."""
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def close(self) -> None:
        self.conn.close()


def search_path(question: str) -> str:
    return "/api/search?" + urlencode({"q": question})


def run_level(url: str, paths: list[str], clients: int, rounds: int, max_seconds: float) -> LevelResult:
    result = LevelResult(clients)
    work = [p for _ in range(rounds) for p in paths]
    lock = threading.Lock()
    next_index = 0
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal next_index
        client = Client(url)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if next_index >= len(work):
                        return
                    path = work[next_index]
                    next_index += 1
                started = time.perf_counter()
                try:
                    status, body = client.get(path)
                    elapsed = (time.perf_counter() - started) * 1000
                    if status == 200 and json.loads(body):
                        with lock:
                            result.latencies_ms.append(elapsed)
                    else:
                        with lock:
                            result.errors.append(f"HTTP {status}")
                except Exception as exc:  # counted, reported, never hidden
                    client.reset()
                    with lock:
                        result.errors.append(type(exc).__name__)
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class OddResult:
    label: str
    chars: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_ms: float = float("nan")  # CPU time of the search itself (one thread, median)

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_ms


def measure_odd_cpu(args: argparse.Namespace, normal: list[str], rounds: int) -> dict[str, float]:
    """CPU time (ms, median) of `Searcher.search` per kind of question, on one OpenMP thread.

    In this process, before the server starts: with one thread all the work is on the calling
    thread, so its CPU time is the cost of the question itself, whatever else the machine runs
    (latency on a shared machine mostly measures the others).
    """
    from indexer.embedders import get_embedder
    from indexer.search import Searcher
    from indexer.store import load_index
    from search_app.cores import set_openmp_threads

    settings = bench_settings(args)
    searcher = Searcher(load_index(settings.index_dir), get_embedder(settings), settings)
    set_openmp_threads(1)
    kinds = {"normaal (dev-vragen)": normal}
    kinds.update({label: [q[:500]] for label, q in ODD_QUESTIONS.items()})
    out: dict[str, float] = {}
    for label, qs in kinds.items():
        times = []
        for r in range(max(rounds, len(qs)) if label.startswith("normaal") else rounds):
            q = qs[r % len(qs)]
            started = time.thread_time()
            searcher.search(q, k=50)
            times.append((time.thread_time() - started) * 1000)
        out[label] = _median(times)
    return out


def run_odd_questions(url: str, normal: list[str], rounds: int,
                      cpu: dict[str, float] | None = None) -> list[OddResult]:
    """Each odd question (and the dev questions, as "normaal") asked ``rounds`` times, one client.

    The kinds take turns within each round, so all see the same background load. ``cpu``:
    the CPU times of `measure_odd_cpu`, added to the results.
    """
    kinds = {"normaal (dev-vragen)": normal}
    kinds.update({label: [q[:500]] for label, q in ODD_QUESTIONS.items()})
    results = {label: OddResult(label, max(len(q) for q in qs)) for label, qs in kinds.items()}
    client = Client(url)
    try:
        for qs in kinds.values():  # warm every question once
            for q in qs:
                client.get(search_path(q))
        for r in range(rounds):
            for label, qs in kinds.items():
                q = qs[r % len(qs)]
                started = time.perf_counter()
                status, body = client.get(search_path(q))
                elapsed = (time.perf_counter() - started) * 1000
                if status == 200:
                    results[label].latencies_ms.append(elapsed)
                else:
                    results[label].errors.append(f"HTTP {status}")
        for label in kinds:
            results[label].cpu_ms = (cpu or {}).get(label, float("nan"))
    finally:
        client.close()
    return list(results.values())


def format_odd(results: list[OddResult]) -> str:
    """The table; ratios on the fastest request of each kind too (least disturbed by other load)."""
    by_label = {r.label: r for r in results}
    normal, fastest_normal = by_label["normaal (dev-vragen)"], min(by_label["normaal (dev-vragen)"].latencies_ms)
    regie = min(by_label["regie"].latencies_ms)
    lines = [f"Vreemde en lange vragen, elk alleen (één client, om en om met de dev-vragen, "
             f"{len(results[0].latencies_ms)} keer per soort; belasting {os.getloadavg()[0]:.1f}). Doel: "
             f"hoogstens {ODD_TARGET:.0f}× een gewone vraag. De encoder leest hoogstens "
             f"`MAX_QUERY_TOKENS` tokens van een vraag en geen emoji (`indexer/embedders.py`). Op een "
             "gedeelde machine zeggen het snelste verzoek en vooral de CPU-tijd van het zoeken zelf "
             "(`Searcher.search` op één OpenMP-thread, in het meetproces: embedder, BM25 en FAISS) het "
             "meest over de kosten van een vraag; de latentie meet vooral wat er verder draait.",
             "",
             "| vraag | tekens | p50 (ms) | snelste (ms) | CPU zoeken, 1 thread (ms) | × dev-vraag (p50) | "
             "× dev-vraag (snelste) | × dev-vraag (CPU) | × \"regie\" (CPU) | fouten |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    cpu_normal, cpu_regie = normal.cpu_per_request, by_label["regie"].cpu_per_request
    for r in results:
        fastest = min(r.latencies_ms) if r.latencies_ms else float("nan")
        lines.append(f"| {r.label} | {r.chars} | {r.percentile(50):.1f} | {fastest:.1f} | "
                     f"{r.cpu_per_request:.1f} | {r.percentile(50) / normal.percentile(50):.1f} | "
                     f"{fastest / fastest_normal:.1f} | {r.cpu_per_request / cpu_normal:.1f} | "
                     f"{r.cpu_per_request / cpu_regie:.1f} | {len(r.errors)} |")
    measured_cpu = all(r.cpu_per_request == r.cpu_per_request for r in results)  # not NaN
    if measured_cpu:
        worst = max(r.cpu_per_request / cpu_normal for r in results)
        basis = "CPU-tijd van het zoeken op één thread"
    else:
        worst = max(min(r.latencies_ms) / fastest_normal for r in results if r.latencies_ms)
        basis = "snelste verzoeken"
    lines += ["", f"Duurste soort: {worst:.1f}× een gewone dev-vraag ({basis}): "
              f"{'**gehaald**' if worst <= ODD_TARGET else '**niet gehaald**'} (doel ≤ {ODD_TARGET:.0f}×)."]
    return "\n".join(lines)


def bench_settings(args: argparse.Namespace):
    from kbcore.settings import load_settings

    return load_settings(overrides={"site_dir": args.site_dir, "index_dir": args.index_dir,
                                    "cache_dir": args.cache_dir, "embedder": args.embedder,
                                    "threads": args.threads})


def start_server(args: argparse.Namespace, workers: int | None):
    from tests.serve_process import start_kb_serve

    settings = bench_settings(args)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    return start_kb_serve(settings, log_dir / "kb-serve.log", threads=settings.threads, workers=workers)


def workers_label(workers: int | None) -> str:
    from search_app.server import worker_count

    count = worker_count(0 if workers is None else workers)
    return f"{count} werkproces{'sen' if count > 1 else ''}"


def measure_embedding(args: argparse.Namespace, questions: list[str]) -> LevelResult:
    """Time of the question embedding alone, in this process, before the server starts.

    The embedder is the same one the server loads; this says how much of a request's
    latency is the model, which no web-server tuning can remove.
    """
    from indexer.embedders import get_embedder

    embedder = get_embedder(bench_settings(args))
    for q in questions[:5]:
        embedder.embed_queries([q])
    result = LevelResult(1)
    for q in questions:
        started = time.perf_counter()
        embedder.embed_queries([q])
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
    return result


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def format_report(levels: list[LevelResult], floor: LevelResult, embed: LevelResult | None,
                  health: dict, questions: int, server_threads: str,
                  load: tuple[float, float, float]) -> str:
    cpu = os.cpu_count()
    runs = max((lv.run for lv in levels), default=1)
    configs = list(dict.fromkeys(lv.config for lv in levels))
    compared = len(configs) > 1
    embedder = health.get("embedder") or {}
    setup = (f"beide opzetten naast elkaar ({', '.join(configs)}), om en om per niveau gemeten"
             if compared else (configs[0] if configs and configs[0] else "één opzet"))
    lines = [
        f"Gemeten op {date.today().isoformat()} met `benchmarks/bench_http.py"
        f"{' --compare' if compared else ''}`: `kb serve` (waitress, {server_threads} threads per "
        f"proces) op 127.0.0.1, {setup}; {cpu} CPU-kernen (belasting vooraf: "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}), Python {platform.python_version()}. "
        f"Index: {health.get('passages', '?')} passages, embedder `{embedder.get('id', '?')}` "
        f"(rekenkern: {embedder.get('engine', '?')}). "
        f"Vragen: de {questions} dev-vragen (`dev-questions.tsv`), elke client een eigen keep-alive-verbinding, "
        f"na één opwarmronde; {runs} metingen na elkaar, want deze gedeelde machine wisselt van snelheid "
        "(andere processen rekenen mee: vergelijk de opzetten binnen een meting, niet de absolute cijfers).",
        "",
        ("| meting | opzet | clients | verzoeken | fouten | p50 (ms) | p99 (ms) | doorvoer (verzoeken/s) |"
         if compared else "| meting | clients | verzoeken | fouten | p50 (ms) | p99 (ms) | doorvoer (verzoeken/s) |"),
        "|---:|---|---:|---:|---:|---:|---:|---:|" if compared else "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in levels:
        config = f" {level.config} |" if compared else ""
        lines.append(f"| {level.run} |{config} {level.clients} | {level.requests} | {len(level.errors)} | "
                     f"{level.percentile(50):.1f} | {level.percentile(99):.1f} | {level.throughput:.1f} |")
    if compared or runs > 1:
        lines += ["", "Mediaan over de metingen:", "",
                  "| opzet | clients | p50 (ms) | p99 (ms) | doorvoer (verzoeken/s) | per kern (verzoeken/s) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for config in configs:
            for clients in sorted({lv.clients for lv in levels}):
                group = [lv for lv in levels if lv.config == config and lv.clients == clients]
                rate = _median([lv.throughput for lv in group])
                lines.append(f"| {config or '-'} | {clients} | {_median([lv.percentile(50) for lv in group]):.1f} | "
                             f"{_median([lv.percentile(99) for lv in group]):.1f} | {rate:.1f} | "
                             f"{rate / (cpu or 1):.1f} |")
    lines += ["", f"Ter vergelijking `/healthz` (HTTP, Flask en waitress zonder zoeken), één client: "
              f"p50 {floor.percentile(50):.1f} ms, p99 {floor.percentile(99):.1f} ms."]
    if embed is not None:
        lines[-1] += (f" Alleen het omzetten van een vraag in een vector (de embedder, in een apart proces "
                      f"vóór de server gemeten): p50 {embed.percentile(50):.1f} ms, "
                      f"p99 {embed.percentile(99):.1f} ms.")
    for config in configs:
        ones = [lv for lv in levels if lv.clients == 1 and lv.config == config]
        if not ones:
            continue
        prefix = f"{config}: " if compared else ""
        median_p50 = _median([lv.percentile(50) for lv in ones])
        median_p99 = _median([lv.percentile(99) for lv in ones])
        met = sum(lv.percentile(50) <= TARGETS_MS["p50"] and lv.percentile(99) <= TARGETS_MS["p99"]
                  for lv in ones)
        if embed is not None and not compared:
            rest = median_p50 - embed.percentile(50) - floor.percentile(50)
            lines += ["", f"Bij één client is van de mediane {median_p50:.1f} ms ongeveer "
                      f"{embed.percentile(50):.0f} ms de embedder, {floor.percentile(50):.0f} ms HTTP en Flask, "
                      f"en {max(rest, 0):.0f} ms de rest (BM25 en FAISS, antwoord, snippets, facetten, JSON, "
                      "de overstap naar de zoekthread)."]
        ok = median_p50 <= TARGETS_MS["p50"] and median_p99 <= TARGETS_MS["p99"]
        lines += ["", f"{prefix}Doel bij één client: p50 ≤ {TARGETS_MS['p50']:.0f} ms en p99 ≤ {TARGETS_MS['p99']:.0f} ms: "
                  f"{'**gehaald**' if ok else '**niet gehaald**'} in de mediane meting (p50 {median_p50:.1f} ms, "
                  f"p99 {median_p99:.1f} ms); gehaald in {met} van de {len(ones)} metingen."]
    lines += ["", "Elk werkproces zoekt op één eigen zoekthread. Een vraag die alleen binnenkomt, rekent met "
              "OpenMP op alle kernen; zijn er meer werkprocessen tegelijk bezig, dan krijgt elke vraag haar "
              "deel van de kernen (`search_app/cores.py`), zodat OpenMP-teams niet op elkaar wachten. "
              "Hoeveel de eigen rekenkern scheelt staat in {ref}`benchmarks-embedder`."]
    return "\n".join(lines)


def write_section(report: str, docs: Path = DOCS, title: str = SECTION_TITLE,
                  label: str = SECTION_LABEL) -> None:
    """Replace (or append) the section ``title`` in docs/benchmarks.md, leaving the rest alone."""
    text = docs.read_text(encoding="utf-8") if docs.exists() else "(benchmarks)=\n# Benchmarks\n"
    block = f"{label}\n## {title}\n\n{report}\n"
    pattern = re.compile(rf"(?:{re.escape(label)}\n)?## {re.escape(title)}\n.*?(?=\n(?:\([^)\n]+\)=\n)?## |\Z)",
                         re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block.rstrip("\n") + "\n", text, count=1)  # keep a blank line before the next label
    else:
        text = text.rstrip("\n") + "\n\n" + block
    docs.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="een draaiende kb serve gebruiken in plaats van er een te starten")
    parser.add_argument("--site-dir", default=None)
    parser.add_argument("--index-dir", default=None)
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--threads", type=int, default=None, help="threads per werkproces van kb serve")
    parser.add_argument("--workers", type=int, default=None,
                        help="werkprocessen van kb serve (standaard de instelling: één per kern)")
    parser.add_argument("--compare", action="store_true",
                        help="1 werkproces en de standaard naast elkaar meten, in één run")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--concurrency", default="1,8,32", help="aantallen gelijktijdige clients, komma-gescheiden")
    parser.add_argument("--rounds", type=int, default=3, help="rondes over alle vragen per niveau")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="tijdslimiet per niveau")
    parser.add_argument("--runs", type=int, default=3, help="metingen na elkaar (elk alle niveaus)")
    parser.add_argument("--odd-rounds", type=int, default=20,
                        help="keer per soort vreemde vraag (500 emoji, accenten, ...); 0 slaat ze over")
    parser.add_argument("--only-odd", action="store_true",
                        help="alleen de vreemde vragen meten, niet de niveaus met 1, 8 en 32 clients")
    parser.add_argument("--write-docs", action="store_true", help=f"schrijf de uitkomst in {DOCS.relative_to(REPO)}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.url and args.compare:
        parser.error("--compare start zelf twee servers; gebruik het niet met --url")
    if args.only_odd and args.write_docs:
        parser.error("--write-docs schrijft de hele sectie; gebruik het niet met --only-odd")

    questions = read_questions(args.questions)
    embed = None if args.url else measure_embedding(args, questions)
    odd_cpu = measure_odd_cpu(args, questions, args.odd_rounds) if args.odd_rounds > 0 else None
    servers = []
    targets: list[tuple[str, str]] = []  # (label, url)
    try:
        if args.url:
            targets.append(("", args.url.rstrip("/")))
            server_threads = "?"
        else:
            setups = [1, args.workers] if args.compare else [args.workers]
            for workers in setups:
                server = start_server(args, workers)
                servers.append(server)
                label = workers_label(workers)
                if args.compare and workers == 1:
                    label += " (zoals voorheen)"
                targets.append((label, server.url))
            server_threads = str(servers[0].threads)
        health: dict = {}
        paths = [search_path(q) for q in questions]
        for _label, url in targets:
            warm = Client(url)
            status, body = warm.get("/healthz")
            if status != 200:
                print(f"Server niet gezond: {status} {body[:200]!r}", file=sys.stderr)
                return 1
            health = json.loads(body)
            for path in paths:
                warm.get(path)
            warm.close()
        load = os.getloadavg()
        floor = run_level(targets[-1][1], ["/healthz"] * 50, 1, 1, args.max_seconds)
        levels = []
        odd: list[OddResult] = []
        if args.odd_rounds > 0:
            odd = run_odd_questions(targets[-1][1], questions, args.odd_rounds, odd_cpu)
            for r in odd:
                print(f"{r.label}: p50 {r.percentile(50):.1f} ms, p99 {r.percentile(99):.1f} ms, "
                      f"{len(r.errors)} fouten", flush=True)
        for run in range(1, 0 if args.only_odd else max(1, args.runs) + 1):
            for clients in [int(c) for c in args.concurrency.split(",") if c.strip()]:
                for label, url in targets:
                    level = run_level(url, paths, clients, args.rounds, args.max_seconds)
                    level.run, level.config = run, label
                    levels.append(level)
                    print(f"meting {run}, {label or 'server'}, {clients} client(s): {level.requests} verzoeken, "
                          f"{len(level.errors)} fouten, p50 {level.percentile(50):.1f} ms, "
                          f"p99 {level.percentile(99):.1f} ms, {level.throughput:.1f} verzoeken/s "
                          f"(belasting {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if servers:
            from tests.serve_process import stop_server
            for server in servers:
                stop_server(server.process)
    report = format_report(levels, floor, embed, health, len(questions), server_threads, load) if levels else ""
    if odd:
        report = (report + "\n\n" if report else "") + format_odd(odd)
    print()
    print(report)
    if args.write_docs:
        write_section(report)
        print(f"\nGeschreven naar {DOCS}")
    errors = sum(len(level.errors) for level in [floor, *levels]) + sum(len(r.errors) for r in odd)
    if errors:
        print(f"\n{errors} fouten: het doel is nul.", file=sys.stderr)
        for level in [floor, *levels]:
            for e in sorted(set(level.errors)):
                print(f"  {level.config or 'server'}, {level.clients} client(s): {e} ×{level.errors.count(e)}",
                      file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
