"""hwsim.pareto against two plain-numpy filters measured in the same run, on random tables with
3 minimised objectives:

* "sort": rows in lexicographic order, each checked against the front kept so far (a row's
  dominators all come before it, and a dominated dominator's own dominator is on the front);
  one Python step per row, cost rows x front size;
* "brute": every row against every row, O(rows^2), in blocks (on a smaller table).

Cases: uniform floats (a small front), integers in 0..19 (ties and duplicates), and a plane
x + y + z = 2 (every row on the front, the worst case for anything that scans the front).

    python benchmarks/bench_pareto.py [--rows 1000000] [--small 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import hwsim

OBJECTIVES = {"o0": "min", "o1": "min", "o2": "min"}


def table(case: str, rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if case == "uniform":
        values = rng.random((rows, 3))
    elif case == "ties":
        values = rng.integers(0, 20, size=(rows, 3)).astype(np.float64)
    else:  # plane
        values = rng.random((rows, 3))
        values[:, 2] = 2.0 - values[:, 0] - values[:, 1]
    return pd.DataFrame(values, columns=list(OBJECTIVES))


def sort_filter(values: np.ndarray) -> np.ndarray:
    order = np.lexsort(values.T[::-1])
    keep = np.zeros(len(values), dtype=bool)
    front, size = np.empty_like(values), 0
    for i in order:
        row, kept = values[i], front[:size]
        if not ((kept <= row).all(axis=1) & (kept < row).any(axis=1)).any():
            keep[i] = True
            front[size] = row
            size += 1
    return keep


def brute_filter(values: np.ndarray, block: int = 512) -> np.ndarray:
    keep = np.ones(len(values), dtype=bool)
    for start in range(0, len(values), block):
        rows = values[start:start + block, None, :]
        no_worse = (values[None, :, :] <= rows).all(axis=2)
        better = (values[None, :, :] < rows).any(axis=2)
        keep[start:start + block] = ~(no_worse & better).any(axis=1)
    return keep


def best_of(repeats: int, run) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=20_000, help="rows for the O(rows^2) brute force")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    hwsim.pareto(table("uniform", 100), OBJECTIVES)  # library loaded before timing

    print(f"{'case':<8} {'rows':>9} {'front':>9} {'hwsim s':>9} {'baseline':>8} {'base s':>9} {'ratio':>9}  same")
    for case in ("uniform", "ties", "plane"):
        for rows, baseline in ((args.rows, "sort"), (args.small, "sort"), (args.small, "brute")):
            frame = table(case, rows)
            seconds, front = best_of(args.repeats, lambda: hwsim.pareto(frame, OBJECTIVES))
            if case == "plane" and rows == args.rows:  # the sort filter would take rows^2 / 2 steps here
                print(f"{case:<8} {rows:>9,} {len(front):>9,} {seconds:>9.3f} {'-':>8}")
                continue
            values = frame.to_numpy()
            filter_ = sort_filter if baseline == "sort" else brute_filter
            base_seconds, keep = best_of(1, lambda: filter_(values))
            same = np.array_equal(np.flatnonzero(keep), front.index.to_numpy())
            print(f"{case:<8} {rows:>9,} {len(front):>9,} {seconds:>9.3f} {baseline:>8} {base_seconds:>9.3f} "
                  f"{base_seconds / seconds:>8.0f}x  {same}")


if __name__ == "__main__":
    main()
