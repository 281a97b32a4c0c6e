"""Precision search on a real network: a small MLP trained in numpy on scikit-learn's digits, its
per-layer Hessian traces (Hutchinson), plans searched under hwsim latency and energy on two
presets, and the real test accuracy of every quantised plan beside uniform precisions and
HAWQ-style model-size and BOPs budgets.

    python studies/precision_search/run.py [--out DIR] [--quick]

Needs the ``studies`` extra (scikit-learn: the digits data set ships inside its wheel, 1,797
8x8 images, no download) and ``onnx`` (the trained model is exported and ``hwsim sensitivity``
reads it, as a user would). Writes ``mlp.onnx``, ``mlp.csv`` (the workload trace),
``traces.csv``, ``sens.csv`` (``hwsim sensitivity``'s output), ``fronts.csv``, ``uniform.csv``
and ``precision_search.html``; default DIR ``hwsim-out/precision_search``.

Model and method (docs/precision-search.md, "Study"):

* MLP 64-128-64-10, ReLU, softmax cross-entropy; inputs x/16; 70/30 split (seed 0); Adam
  (lr 1e-3, Kingma and Ba, ICLR 2015, defaults beta 0.9/0.999), batch 64, 60 epochs (--quick: 15);
* Hessian trace of each weight matrix's diagonal block by Hutchinson's estimator
  Tr(H) = E[v^T H v], v Rademacher (Avron and Toledo, JACM 2011; as HAWQ-V2/V3 use it), Hv by
  central finite differences of the exact gradient, (g(W + eps v) - g(W - eps v)) / (2 eps),
  eps = 1e-3, 200 samples (--quick: 50) on the training loss; Tr(H)/n per parameter;
* candidates w2a8, w3a8, w4a8, w8a8 (weights vary, activations INT8: Omega measures the
  weight perturbation, HAWQ-V3 Eq. 8); a plan's accuracy: weights by ``hwsim.quantise`` (the
  quantiser ``hwsim sensitivity`` uses), every layer's input quantised to int8 per tensor
  (symmetric, scale from the training set's largest magnitude at that input);
* the workload: the three GEMMs at a batch of 256 images; presets tpu-v1-like (a MAC array:
  weight bits move DRAM traffic and energy) and stripes-like (bit-serial: weight bits set
  cycles); fronts of 9 budgets (fractions 0, 1/8, ..., 1) of latency and of energy on each, and
  of model bytes and BOPs (hardware-free, HAWQ-V3's budgets).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.studies import Outputs, run_study, study_parser

CANDIDATES = ("w2a8", "w3a8", "w4a8", "w8a8")
PRESETS = ("tpu-v1-like", "stripes-like")
LAYERS = ("fc1", "fc2", "fc3")
SIZES = (64, 128, 64, 10)
BATCH_IMAGES = 256          # the workload's batch (rows of each GEMM)
FRONT_POINTS = 9
SEED = 0
EPS = 1e-3                  # finite-difference step of the Hessian-vector product


# ---- the network (numpy) ---------------------------------------------------------------------

def _init(rng: np.random.Generator) -> list[list[np.ndarray]]:
    # He initialisation (He et al., ICCV 2015) for ReLU layers; W is [out, in]
    return [[rng.normal(0, np.sqrt(2.0 / fan_in), (fan_out, fan_in)), np.zeros(fan_out)]
            for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:])]


def _forward(params, x, act_scales=None):
    """Logits and the per-layer inputs; with act_scales, each layer's input is int8-quantised."""
    inputs, h = [], x
    for i, (w, b) in enumerate(params):
        if act_scales is not None:
            s = act_scales[i] / 127.0
            h = np.clip(np.round(h / s), -128, 127) * s
        inputs.append(h)
        h = h @ w.T + b
        if i < len(params) - 1:
            h = np.maximum(h, 0.0)
    return h, inputs


def _loss_and_grads(params, x, y):
    """Mean cross-entropy and its exact gradients (backpropagation)."""
    acts, h = [x], x
    pre = []
    for i, (w, b) in enumerate(params):
        z = h @ w.T + b
        pre.append(z)
        h = np.maximum(z, 0.0) if i < len(params) - 1 else z
        acts.append(h)
    logits = acts[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(shifted)
    prob /= prob.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(prob[np.arange(n), y] + 1e-300).mean()
    delta = prob
    delta[np.arange(n), y] -= 1.0
    delta /= n
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        grads[i] = [delta.T @ acts[i], delta.sum(axis=0)]
        if i:
            delta = (delta @ params[i][0]) * (pre[i - 1] > 0)
    return loss, grads


def train(x, y, epochs: int, rng: np.random.Generator):
    params = _init(rng)
    m = [[np.zeros_like(p) for p in layer] for layer in params]
    v = [[np.zeros_like(p) for p in layer] for layer in params]
    lr, b1, b2, step = 1e-3, 0.9, 0.999, 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 64):
            idx = order[start:start + 64]
            _, grads = _loss_and_grads(params, x[idx], y[idx])
            step += 1
            for i, layer in enumerate(params):
                for j, p in enumerate(layer):
                    m[i][j] = b1 * m[i][j] + (1 - b1) * grads[i][j]
                    v[i][j] = b2 * v[i][j] + (1 - b2) * grads[i][j] ** 2
                    p -= lr * (m[i][j] / (1 - b1 ** step)) / (np.sqrt(v[i][j] / (1 - b2 ** step)) + 1e-8)
    return params


def hutchinson_traces(params, x, y, samples: int, rng: np.random.Generator) -> list[float]:
    """Tr(H_ll)/n_l per weight matrix (module docstring)."""
    out = []
    for layer in range(len(params)):
        w = params[layer][0]
        total = 0.0
        for _ in range(samples):
            v = rng.choice([-1.0, 1.0], size=w.shape)
            grads = []
            for sign in (1.0, -1.0):
                trial = [[p.copy() for p in pair] for pair in params]
                trial[layer][0] = w + sign * EPS * v
                grads.append(_loss_and_grads(trial, x, y)[1][layer][0])
            total += float(np.sum(v * (grads[0] - grads[1]) / (2 * EPS)))
        out.append(total / samples / w.size)
    return out


def accuracy(params, x, y, weight_formats, act_scales) -> float:
    quantised = [[hwsim.quantise(w, fmt), b] for (w, b), fmt in zip(params, weight_formats)]
    logits, _ = _forward(quantised, x, act_scales)
    return float((logits.argmax(axis=1) == y).mean())


# ---- files a user would have ----------------------------------------------------------------

def write_onnx(params, path: Path) -> None:
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise HwsimInputError('this study exports the model to ONNX: pip install -e ".[onnx]"') from None
    nodes, inits, h = [], [], "x"
    for i, (name, (w, b)) in enumerate(zip(LAYERS, params)):
        nodes.append(helper.make_node("Gemm", [h, f"{name}.w", f"{name}.b"], [f"{name}.out"], name=name, transB=1))
        inits += [numpy_helper.from_array(w.astype(np.float32), f"{name}.w"),
                  numpy_helper.from_array(b.astype(np.float32), f"{name}.b")]
        h = f"{name}.out"
        if i < len(params) - 1:
            nodes.append(helper.make_node("Relu", [h], [f"relu{i + 1}.out"], name=f"relu{i + 1}"))
            h = f"relu{i + 1}.out"
    graph = helper.make_graph(nodes, "digits_mlp",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [BATCH_IMAGES, SIZES[0]])],
                              [helper.make_tensor_value_info(h, TensorProto.FLOAT, [BATCH_IMAGES, SIZES[-1]])],
                              initializer=inits)
    onnx.save(helper.make_model(graph), str(path))


def trace_text() -> str:
    lines = ["# name: digits_mlp", "# source: studies/precision_search/run.py (MLP 64-128-64-10, batch 256)",
             "name,op,count,m,k,n,vector_op,elements"]
    for i, name in enumerate(LAYERS):
        lines.append(f"{name},gemm,1,{BATCH_IMAGES},{SIZES[i]},{SIZES[i + 1]},,")
        if i < len(LAYERS) - 1:
            lines.append(f"relu{i + 1},vector,1,,,,relu,{BATCH_IMAGES * SIZES[i + 1]}")
    return "\n".join(lines) + "\n"


def sensitivity(out: Path) -> pd.DataFrame:
    """``hwsim sensitivity`` on the exported model, as a user runs it."""
    command = [sys.executable, "-m", "hwsim.cli", "sensitivity", str(out / "mlp.onnx"), "--candidates",
               ",".join(CANDIDATES), "--hessian-traces", str(out / "traces.csv"), "-o", str(out / "sens.csv")]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise HwsimInputError(f"hwsim sensitivity failed: {done.stderr.strip()}")
    return pd.read_csv(out / "sens.csv")


# ---- the study --------------------------------------------------------------------------------

def compute(args) -> Outputs:
    from sklearn.datasets import load_digits  # the studies extra: the data set ships in the wheel

    rng = np.random.default_rng(SEED)
    digits = load_digits()
    x, y = digits.data / 16.0, digits.target
    order = rng.permutation(len(x))
    cut = int(0.7 * len(x))
    train_idx, test_idx = order[:cut], order[cut:]
    params = train(x[train_idx], y[train_idx], 15 if args.quick else 60, rng)
    fp_logits, inputs = _forward(params, x[test_idx])
    fp_accuracy = float((fp_logits.argmax(axis=1) == y[test_idx]).mean())
    _, train_inputs = _forward(params, x[train_idx])
    act_scales = [float(np.abs(a).max()) for a in train_inputs]
    traces = hutchinson_traces(params, x[train_idx], y[train_idx], 50 if args.quick else 200, rng)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_onnx(params, out / "mlp.onnx")
    traces_table = pd.DataFrame({"layer": LAYERS, "hessian_trace": traces})
    traces_table.to_csv(out / "traces.csv", index=False)
    (out / "mlp.csv").write_text(trace_text())
    sens = sensitivity(out)
    formats = {c: hwsim.precision_mix(c)["default_precision.weights"] for c in CANDIDATES}

    def plan_accuracy(plan: str) -> float:
        return accuracy(params, x[test_idx], y[test_idx], [formats[c] for c in plan.split()], act_scales)

    fronts = []
    budgets = [(p, m) for p in PRESETS for m in ("latency_s", "energy_pj")] + [(PRESETS[0], "model_bytes"),
                                                                              (PRESETS[0], "bops")]
    for preset, metric in budgets:
        result = hwsim.precision_search(preset, str(out / "mlp.csv"), sensitivity=str(out / "sens.csv"),
                                        candidates=list(CANDIDATES), budget_fractions={metric: 0.5},
                                        front=FRONT_POINTS, front_metric=metric)
        front = result.front[result.front["feasible"]].copy()
        front.insert(0, "preset", preset if metric in ("latency_s", "energy_pj") else "(hardware-free)")
        front["accuracy"] = [plan_accuracy(p) for p in front["plan"]]
        fronts.append(front)
    fronts_table = pd.concat(fronts, ignore_index=True)

    uniform = []
    for preset in PRESETS:
        for candidate in CANDIDATES:
            one = hwsim.precision_search(preset, str(out / "mlp.csv"), sensitivity=str(out / "sens.csv"),
                                         candidates=[candidate], budget_fractions={"latency_s": 1.0})
            uniform.append({"preset": preset, "candidate": candidate, "omega": one.omega_total,
                            **{m: one.costs[m] for m in ("latency_s", "energy_pj", "model_bytes", "bops")},
                            "accuracy": plan_accuracy(" ".join([candidate] * len(LAYERS)))})
    uniform_table = pd.DataFrame(uniform)

    lines = [f"MLP 64-128-64-10 on digits: fp32 test accuracy {fp_accuracy:.4f} ({len(test_idx)} images)",
             "Hessian trace per parameter: " + ", ".join(f"{n} {t:.4g}" for n, t in zip(LAYERS, traces)),
             "uniform plans:", uniform_table.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
             "searched fronts (budget fraction -> plan, accuracy):"]
    for (preset, metric), front in zip(budgets, fronts):
        lines.append(f"  {preset} {metric}: " + "; ".join(
            f"{f:.3g}: {p} ({a:.3f})" for f, p, a in zip(front["fraction"], front["plan"], front["accuracy"])))
    return Outputs({"fronts.csv": fronts_table, "uniform.csv": uniform_table, "traces.csv": traces_table},
                   {"precision_search.html": lambda: figure(fronts_table, uniform_table)},
                   report="\n".join(lines) + "\n", float_formats={"traces.csv": None})


def figure(fronts: pd.DataFrame, uniform: pd.DataFrame):
    from hwsim.plots import category_colors, plotly_modules

    go, make_subplots = plotly_modules()
    panels = [(p, m) for p in PRESETS for m in ("latency_s", "energy_pj")]
    fig = make_subplots(rows=2, cols=2, subplot_titles=[f"{p}: accuracy vs {m}" for p, m in panels])
    colors = category_colors(list(CANDIDATES) + ["searched"])
    for k, (preset, metric) in enumerate(panels):
        row, col = k // 2 + 1, k % 2 + 1
        front = fronts[(fronts["preset"] == preset) & (fronts["budget_metric"] == metric)]
        fig.add_trace(go.Scatter(x=front[metric], y=front["accuracy"], mode="lines+markers", name="searched",
                                 legendgroup="searched", showlegend=k == 0, line={"color": colors["searched"]},
                                 text=front["plan"], hovertemplate="%{x:.4g}, accuracy %{y:.4f}<br>%{text}"),
                      row=row, col=col)
        for candidate in CANDIDATES:
            one = uniform[(uniform["preset"] == preset) & (uniform["candidate"] == candidate)]
            fig.add_trace(go.Scatter(x=one[metric], y=one["accuracy"], mode="markers", name=f"uniform {candidate}",
                                     legendgroup=candidate, showlegend=k == 0,
                                     marker={"symbol": "diamond", "size": 10, "color": colors[candidate]}),
                          row=row, col=col)
        fig.update_xaxes(title_text=metric, row=row, col=col)
        fig.update_yaxes(title_text="test accuracy", row=row, col=col)
    fig.update_layout(title="Precision search on a digits MLP: Omega-optimal plans under hwsim budgets",
                      template="plotly_white")
    return fig


def main(argv=None) -> int:
    parser = study_parser("precision_search", __doc__)
    parser.add_argument("--quick", action="store_true", help="15 epochs and 50 Hutchinson samples (a smoke run)")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
