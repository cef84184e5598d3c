"""dcode's llama_cpp engine against raw llama-cpp-python: same model, prompt, sampling and process.

Both sides share one loaded `Llama`, start from an empty KV cache every round, and alternate
(dcode, raw, dcode, raw, …) so that load from other processes hits both alike. Greedy decoding
makes both produce the same tokens, which the script checks. The baseline is what a user of
llama-cpp-python writes: `create_completion(..., stream=True)`.

    .venv/bin/python bench/engine_overhead.py [--model gemma-3-270m] [--tokens 128] [--rounds 5] [--threads N] [--append]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dcode.config import load_settings  # noqa: E402
from dcode.engines import Sampling, load_engine  # noqa: E402

PROMPT = '''from __future__ import annotations


def longest_increasing_subsequence(values: list[int]) -> list[int]:
    """Return one longest strictly increasing subsequence of `values` in O(n log n)."""
'''


def run_dcode(engine, tokens: int) -> tuple[float, float, int, str]:
    engine._llm.reset()  # no KV reuse from the previous round: both sides evaluate the full prompt
    [c] = engine.complete(PROMPT, Sampling(max_tokens=tokens, temperature=0.0, top_p=1.0, top_k=0, seed=0))
    return c.time_to_first_token_s, c.total_s, c.completion_tokens, c.text


def run_raw(llm, tokens: int) -> tuple[float, float, str]:
    llm.reset()
    start = perf_counter()
    first = 0.0
    parts = []
    for chunk in llm.create_completion(PROMPT, max_tokens=tokens, temperature=0.0, top_p=1.0, top_k=0, min_p=0.0,
                                       repeat_penalty=1.0, seed=0, stream=True):
        if not first:
            first = perf_counter() - start
        parts.append(chunk["choices"][0]["text"])
    return first, perf_counter() - start, "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: the settings' default)")
    parser.add_argument("--append", action="store_true", help="append the result to bench/RESULTS.md")
    args = parser.parse_args()

    engine = load_engine(load_settings({"model": args.model, "engine": "llama_cpp", "threads": args.threads or None}))
    llm = engine._llm
    run_dcode(engine, 4), run_raw(llm, 4)  # warm-up: first-call allocations
    ours: list[tuple[float, float]] = []
    raw: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        ttft, total, n, text = run_dcode(engine, args.tokens)
        ours.append((ttft, (n - 1) / (total - ttft)))
        r_ttft, r_total, r_text = run_raw(llm, args.tokens)
        if r_text != text:
            sys.exit(f"outputs differ, the comparison is not like for like:\n{text!r}\n{r_text!r}")
        raw.append((r_ttft, (n - 1) / (r_total - r_ttft)))

    def median(rows, i):
        return statistics.median(r[i] for r in rows)

    ttft_d, ttft_r = median(ours, 0), median(raw, 0)
    tps_d, tps_r = median(ours, 1), median(raw, 1)
    overhead = (tps_r / tps_d - 1) * 100
    lines = [
        f"model {engine.info.model}, {n} generated tokens, {engine.count_tokens(PROMPT) + 1} prompt tokens, "
        f"{engine.info.extra['threads']} threads, median of {args.rounds} alternating rounds, "
        f"{platform.machine()} {platform.system()}",
        "",
        "| | raw llama-cpp-python | dcode llama_cpp engine | ratio dcode/raw |",
        "|---|---|---|---|",
        f"| generation tokens/s | {tps_r:.1f} | {tps_d:.1f} | {tps_d / tps_r:.3f} |",
        f"| time to first token | {ttft_r * 1000:.0f} ms | {ttft_d * 1000:.0f} ms | {ttft_d / ttft_r:.3f} |",
        "",
        f"dcode's generation overhead: {overhead:+.1f}% (target: under 5%).",
    ]
    report = "\n".join(lines)
    print(report)
    if args.append:
        command = ".venv/bin/python bench/engine_overhead.py " + " ".join(sys.argv[1:])
        with open(Path(__file__).with_name("RESULTS.md"), "a") as f:
            f.write(f"\n## Engine overhead: dcode llama_cpp vs raw llama-cpp-python\n\n"
                    f"Command: `{command}`\n\n{report}\n")


if __name__ == "__main__":
    main()
