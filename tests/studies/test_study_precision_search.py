"""studies/precision_search: its numpy network's pieces against exact values (the whole study needs
scikit-learn and takes minutes; it is not run here)."""

from __future__ import annotations

import numpy as np
import pytest

import hwsim
from conftest import load_script

study = load_script("studies/precision_search/run.py", "study_precision_search")


def _params(rng):
    return [[rng.normal(0, 0.3, (fan_out, fan_in)), rng.normal(0, 0.1, fan_out)]
            for fan_in, fan_out in zip(study.SIZES[:-1], study.SIZES[1:])]


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    params, x, y = _params(rng), rng.normal(size=(20, 64)), rng.integers(0, 10, 20)
    _, grads = study._loss_and_grads(params, x, y)
    for layer, (i, j) in ((0, (3, 5)), (1, (7, 2)), (2, (4, 1))):
        step = 1e-6
        up = [[p.copy() for p in pair] for pair in params]
        down = [[p.copy() for p in pair] for pair in params]
        up[layer][0][i, j] += step
        down[layer][0][i, j] -= step
        numeric = (study._loss_and_grads(up, x, y)[0] - study._loss_and_grads(down, x, y)[0]) / (2 * step)
        assert grads[layer][0][i, j] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_hutchinson_trace_of_the_last_layer_matches_the_exact_hessian():
    # softmax cross-entropy in the last layer's weights W[k, j]: H = mean_n (diag(p) - p p^T) (x) h h^T,
    # so Tr(H) = mean_n sum_k p_k (1 - p_k) ||h_n||^2 (h_n: the last layer's input)
    rng = np.random.default_rng(2)
    params, x, y = _params(rng), rng.normal(size=(40, 64)), rng.integers(0, 10, 40)
    logits, inputs = study._forward(params, x)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    exact = float(np.mean((p * (1 - p)).sum(axis=1) * (inputs[2] ** 2).sum(axis=1))) / params[2][0].size
    estimate = study.hutchinson_traces(params, x, y, 400, np.random.default_rng(3))[2]
    assert estimate == pytest.approx(exact, rel=0.05)


def test_the_workload_trace_names_the_onnx_layers(tmp_path):
    path = tmp_path / "mlp.csv"
    path.write_text(study.trace_text())
    work = hwsim.load_workload(str(path))
    gemms = [layer for layer in work.layers if layer.op.gemm_view() is not None]
    assert [layer.name for layer in gemms] == list(study.LAYERS)
    # MACs: 256 images x (64x128 + 128x64 + 64x10)
    assert work.macs == 256 * (64 * 128 + 128 * 64 + 64 * 10)
