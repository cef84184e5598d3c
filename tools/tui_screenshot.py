"""The README's picture of `dcode tui`: the real app, the real model, one real run, saved as SVG.

    .venv/bin/python tools/tui_screenshot.py [--model gemma-3-270m] [--out docs/tui.svg]

It opens examples/solve-largest.py, presses r as a person would, waits for the verdict,
selects the passing candidate and shows its tests; then writes the screen as SVG.
"""
from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from dcode.config import load_settings
from dcode.engines import load_engine
from dcode.loops import Budget, SolveOptions
from dcode.problem import load_problem
from dcode.tui.app import SolveApp

ROOT = Path(__file__).resolve().parents[1]


async def shoot(model: str, out: Path, size: tuple[int, int], seed: int) -> None:
    settings = load_settings({"model": model, "seed": seed})
    app = SolveApp(load_problem(ROOT / "examples" / "solve-largest.py"), lambda name: load_engine(settings),
                   budget=Budget(samples=8), options=SolveOptions.from_settings(settings), model=model, models=[model])
    async with app.run_test(size=size) as pilot:
        await pilot.press("r")
        deadline = time.monotonic() + 600
        while app.cancel is not None or app.session.finished is None:
            if time.monotonic() > deadline:
                raise SystemExit("no verdict in 10 minutes")
            await pilot.pause(0.2)
        chosen = app.session.finished.candidate
        for _ in range(max(0, (chosen or 1) - 1)):
            await pilot.press("down")
        await pilot.press("4")
        await pilot.pause(0.5)
        out.write_text(app.export_screenshot(title="dcode tui"), encoding="utf-8")
    print(f"wrote {out}: {app.panes.status_line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "tui.svg")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--size", default="100x30", help="WIDTHxHEIGHT of the terminal")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    asyncio.run(shoot(args.model, args.out, (width, height), args.seed))


if __name__ == "__main__":
    main()
