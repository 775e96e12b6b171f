"""The HTTP benchmark's bookkeeping: percentiles and its own section of docs/benchmarks.md."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tests.app_support import REPO


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_http", REPO / "benchmarks" / "bench_http.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_nearest_rank_percentiles():
    bench = load_bench()
    level = bench.LevelResult(1, latencies_ms=[float(i) for i in range(1, 101)])
    assert level.percentile(50) == 50.0 and level.percentile(99) == 99.0 and level.percentile(100) == 100.0
    assert bench.LevelResult(1, latencies_ms=[7.0]).percentile(99) == 7.0


def test_section_is_replaced_and_other_sections_are_kept(tmp_path: Path):
    bench = load_bench()
    docs = tmp_path / "benchmarks.md"
    docs.write_text("(benchmarks)=\n# Benchmarks\n\n(benchmarks-index)=\n## Index\n\nIndexcijfers.\n",
                    encoding="utf-8")
    bench.write_section("Eerste meting.", docs)
    bench.write_section("Tweede meting.", docs)
    text = docs.read_text(encoding="utf-8")
    assert text.count("## Zoek-API over HTTP") == 1 and text.count("(benchmarks-zoek-api-http)=") == 1
    assert "Tweede meting." in text and "Eerste meting." not in text
    assert "## Index\n\nIndexcijfers." in text
    # a section written by someone else after ours survives a rewrite
    docs.write_text(text + "\n(benchmarks-later)=\n## Later\n\nAnders.\n", encoding="utf-8")
    bench.write_section("Derde meting.", docs)
    text = docs.read_text(encoding="utf-8")
    assert "Derde meting." in text and "## Later\n\nAnders." in text and "Tweede" not in text
    assert "(benchmarks-later)=\n## Later" in text


def test_verdict_is_the_median_run_and_says_how_many_runs_met_the_target():
    bench = load_bench()
    runs = [bench.LevelResult(1, run=i + 1, latencies_ms=[p50] * 99 + [p50 + 5], seconds=1.0)
            for i, p50 in enumerate([18.0, 25.0, 19.0])]
    floor = bench.LevelResult(1, latencies_ms=[1.0] * 10)
    embed = bench.LevelResult(1, latencies_ms=[11.0] * 10)
    health = {"passages": 3, "embedder": {"id": "x", "engine": "kennisbank"}}
    report = bench.format_report(runs, floor, embed, health, 45, "4", (0.0, 0.0, 0.0))
    assert "**gehaald** in de mediane meting (p50 19.0 ms" in report
    assert "gehaald in 2 van de 3 metingen" in report
    assert "rekenkern: kennisbank" in report
    slow = [bench.LevelResult(1, run=i + 1, latencies_ms=[p50] * 100, seconds=1.0)
            for i, p50 in enumerate([21.0, 25.0, 19.0])]
    report = bench.format_report(slow, floor, embed, health, 45, "4", (0.0, 0.0, 0.0))
    assert "**niet gehaald** in de mediane meting (p50 21.0 ms" in report
    assert "gehaald in 1 van de 3 metingen" in report


def test_one_eight_and_thirty_two_clients_by_default():
    bench = load_bench()
    args = bench.build_parser().parse_args([])
    assert [int(c) for c in args.concurrency.split(",")] == [1, 8, 32]


def test_compared_set_ups_get_a_column_medians_per_core_and_a_verdict_each():
    bench = load_bench()
    levels = []
    for run in (1, 2, 3):
        for clients, old, new in [(1, 18.0, 18.5), (8, 150.0, 80.0), (32, 600.0, 300.0)]:
            for config, p50 in (("1 werkproces (zoals voorheen)", old), ("2 werkprocessen", new)):
                rate = clients * 1000 / p50
                levels.append(bench.LevelResult(clients, run=run, config=config, latencies_ms=[p50] * 100,
                                                seconds=100 / rate))
    floor = bench.LevelResult(1, latencies_ms=[1.0] * 10)
    health = {"passages": 3, "embedder": {"id": "x", "engine": "kennisbank"}}
    report = bench.format_report(levels, floor, None, health, 45, "4", (0.0, 0.0, 0.0))
    assert "| 1 | 2 werkprocessen | 32 | 100 | 0 | 300.0 |" in report
    assert "--compare" in report and "om en om" in report
    cores = __import__("os").cpu_count()
    assert f"| 2 werkprocessen | 32 | 300.0 | 300.0 | 106.7 | {32_000 / 300 / cores:.1f} |" in report
    assert "1 werkproces (zoals voorheen): Doel bij één client" in report
    assert "2 werkprocessen: Doel bij één client" in report
