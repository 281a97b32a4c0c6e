"""Search against exhaustive: NSGA-II and TPE, 512 evaluations each, graded on a space's exact front.

    python studies/dse/search_vs_exhaustive.py [--out hwsim-out/dse_search] [--budget 512] [--seed 0] [--quick]

The space (studies/dse/search_space.yaml): ResNet-50 on a TPU-v1-like array, 33,075 designs
(shape x dataflow x buffers x DRAM bandwidth x precision), objectives latency, energy and area,
all minimised. It is swept whole, so its Pareto front is exact; 163 designs (0.5 %) are on it.

Methods, each at --seed with a budget of --budget distinct designs:
  nsga2, tpe  `hwsim sweep` with sampler kind nsga2 / tpe (optuna), their default populations
              (32 and 16 new designs per generation)
  random      --budget designs drawn uniformly from the space without replacement (numpy)

Grade: hypervolume of the evaluated designs on log10 objectives (hwsim.hypervolume(..., log=True))
over that of the exhaustive front. Reference point: each objective's worst value over the whole
space x 1.1 (every design of the space inside the box; derived: 10 % past the worst keeps the
worst designs' volume above zero). A second ratio takes the exhaustive front's own worst values
x 1.1 instead, weighing only the front's region. The report gives random's spread over 200
draws beside its value at --seed. Target (the issue): search >= 0.98 of the exhaustive
hypervolume, and above random.

Writes, into --out (default ./hwsim-out/dse_search):
  ratios.csv         per method: evaluations, hypervolume, the two ratios, front designs found
  front.csv          the exhaustive front, with the methods that evaluated each of its designs
  search_front.html  latency vs energy (log-log): the space, its front, each method's designs
--quick: a 288-design version of the space and a budget of 32, population 8 (the test).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

# run as a script from a checkout (hwsim not installed) or loaded by the tests
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import hwsim  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.studies import Outputs, run_study, study_parser  # noqa: E402

SPACE = HERE / "search_space.yaml"
METHODS = ("nsga2", "tpe", "random")
# --quick: three shapes, two of everything else (3 x 3 x 2^5 = 288 designs), budget 32
QUICK_AXES = {"compute.rows": [8, 32, 128], "compute.cols": [8, 32, 128], "compute.dataflow": ["os", "ws"],
              "buffers.ifmap.size_kib": [64, 1024], "buffers.filter.size_kib": [64, 1024],
              "dram.bandwidth_gb_s": [4, 64], "precision": ["w8a8", "w4a4"]}
QUICK_BUDGET, QUICK_POPULATION = 32, 8
REFERENCE_MARGIN = 1.1
RANDOM_DRAWS = 200


def _space(quick: bool) -> dict:
    data = yaml.safe_load(SPACE.read_text(encoding="utf-8"))
    if quick:
        data["axes"] = dict(QUICK_AXES)
    return data


def _sweep(data: dict, sampler: dict, folder: Path) -> pd.DataFrame:
    spec = hwsim.SweepSpec.from_mapping({**data, "sampler": sampler}, source=str(SPACE), base_dir=HERE)
    hwsim.sweep(spec, folder, progress="quiet")
    return pd.read_parquet(folder).sort_values("point_id").reset_index(drop=True)


def compute(args) -> Outputs:
    data = _space(args.quick)
    budget = QUICK_BUDGET if args.quick else args.budget
    population = {"population": QUICK_POPULATION} if args.quick else {}
    objectives = dict(data["objectives"])
    with tempfile.TemporaryDirectory() as tmp:
        everything = _sweep(data, {"kind": "grid"}, Path(tmp) / "exhaustive")
        if budget > len(everything):
            raise HwsimInputError(f"a budget of {budget} is more than the {len(everything)} designs",
                                  field="--budget", allowed=f"1..{len(everything)}")
        found = {kind: _sweep(data, {"kind": kind, "count": budget, "seed": args.seed, **population},
                              Path(tmp) / kind) for kind in ("nsga2", "tpe")}
    found["random"] = everything.iloc[np.sort(np.random.default_rng(args.seed).choice(len(everything), budget,
                                                                                       replace=False))]
    front = hwsim.pareto(everything, objectives)
    space_ref = {c: float(everything[c].max()) * REFERENCE_MARGIN for c in objectives}
    front_ref = {c: float(front[c].max()) * REFERENCE_MARGIN for c in objectives}
    best = {name: hwsim.hypervolume(front, objectives, ref, log=True)
            for name, ref in (("space", space_ref), ("front", front_ref))}
    rows = []
    for method in METHODS:
        table = found[method]
        volume = hwsim.hypervolume(table, objectives, space_ref, log=True)
        rows.append({"method": method, "evaluations": len(table), "distinct_designs": table["point_id"].nunique(),
                     "hypervolume_log": volume, "hypervolume_ratio": volume / best["space"],
                     "hypervolume_ratio_front_reference":
                         hwsim.hypervolume(table, objectives, front_ref, log=True) / best["front"],
                     "front_designs_found": int(front["point_id"].isin(table["point_id"]).sum()),
                     "front_designs": len(front)})
    ratios = pd.DataFrame(rows)
    rng = np.random.default_rng(args.seed + 1)
    spread = np.array([hwsim.hypervolume(everything.iloc[rng.choice(len(everything), budget, replace=False)],
                                         objectives, space_ref, log=True) for _ in range(RANDOM_DRAWS)]) / best["space"]
    marked = front.copy()
    for method in METHODS:
        marked[f"found_by_{method}"] = marked["point_id"].isin(found[method]["point_id"])
    report = _report(ratios, spread, len(everything), budget, args.seed)
    return Outputs({"ratios.csv": ratios, "front.csv": marked},
                   {"search_front.html": lambda: _figure(everything, front, found)}, report=report)


def _report(ratios: pd.DataFrame, spread: np.ndarray, designs: int, budget: int, seed: int) -> str:
    lines = [f"search vs exhaustive: {designs} designs, budget {budget}, seed {seed}; hypervolume ratio on "
             "log10 objectives (reference: the space's worst x 1.1; in brackets: the front's worst x 1.1)"]
    for row in ratios.itertuples():
        lines.append(f"  {row.method:<6} {row.hypervolume_ratio:.4f}  [{row.hypervolume_ratio_front_reference:.4f}]  "
                     f"front designs found {row.front_designs_found}/{row.front_designs}")
    lines.append(f"  random over {len(spread)} draws: mean {spread.mean():.4f}, 5-95 % "
                 f"{np.percentile(spread, 5):.4f}-{np.percentile(spread, 95):.4f}, max {spread.max():.4f}")
    return "\n".join(lines)


def _figure(everything: pd.DataFrame, front: pd.DataFrame, found: dict):
    from hwsim.plots import plotly_modules

    go, _ = plotly_modules()
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=everything["latency_s"], y=everything["energy_pj"], mode="markers", name="space",
                               marker={"size": 3, "color": "lightgrey"}))
    for method, symbol in zip(METHODS, ("circle-open", "diamond-open", "x")):
        table = found[method]
        fig.add_trace(go.Scattergl(x=table["latency_s"], y=table["energy_pj"], mode="markers", name=method,
                                   marker={"size": 6, "symbol": symbol}))
    fig.add_trace(go.Scattergl(x=front["latency_s"], y=front["energy_pj"], mode="markers",
                               name="exhaustive front (3 objectives)", marker={"size": 5, "color": "black"}))
    fig.update_xaxes(type="log", title="latency (s)")
    fig.update_yaxes(type="log", title="energy (pJ)")
    fig.update_layout(title="Designs each method evaluated, and the exact front")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = study_parser("dse_search", __doc__)
    parser.add_argument("--budget", type=int, default=512, help="designs each method evaluates (default 512)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the searches and of random (default 0)")
    parser.add_argument("--quick", action="store_true", help="a 288-design space, budget 32 (for the test)")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
