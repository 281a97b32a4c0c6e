"""Weight sensitivities for the precision search, from a model's own weights (``hwsim sensitivity``).

Per weight layer i and candidate b: the perturbation ||Q_b(W_i) - W_i||^2 (``delta_w2``) and the
signal-to-quantisation-noise ratio 10 log10(||W||^2 / ||Q_b(W) - W||^2) (``sqnr_db``); with a
Hessian trace per parameter (Tr(H_i)/n_i, e.g. by Hutchinson's method) the HAWQ-V3 sensitivity
Omega_i(b) = Tr(H_i)/n_i x ||Q_b(W_i) - W_i||^2 (Yao et al., ICML 2021, Eq. 8). Only the weight
format of a candidate mix is applied (HAWQ-V3's Omega measures the weight perturbation).

hwsim's formats (hwsim/formats.py) carry widths but no rounding; the quantisers are here, one per
kind of format, on a weight matrix W[out, in] (a Conv's [M, C/g, kH, kW] flattened to [M, C/g*kH*kW];
a Gemm's or MatMul's B [K, N] transposed), as docs/precision-search.md states:

* ``int<b>``: symmetric, one real scale per output channel, amax / (2^(b-1) - 1), values rounded
  half to even and clipped to [-2^(b-1), 2^(b-1) - 1]; ``uint<b>``: asymmetric per output channel
  (scale (max - min) / (2^b - 1), an integer zero point);
* FP ``fp<N>_e<E>m<M>``: each output channel scaled so that its amax lands on the format's largest
  finite value, then rounded to nearest even on the format's grid (subnormals included) and
  saturated;
* group formats ``<element>@g<G>[:<scale>]``: one scale per G consecutive inputs of an output
  channel (the last group may be short), amax / the element's largest value; an FP scale format
  rounds the scale to nearest in that format, an INT scale is taken as exact (hwsim prices its
  bits, the quantiser keeps its value: the second-level scale that makes it an integer is
  per-tensor);
* OCP MX (``mxint8``, ``mxfp8``, ``mxfp6``, ``mxfp4``; OCP Microscaling Formats v1.0, Sec. 6.3):
  blocks of 32, shared scale 2^(floor(log2 amax) - emax_elem), elements rounded and clamped;
  MXINT8's element is a fixed point with 6 fraction bits (emax 0, Sec. 5.4);
* ``nvfp4``: blocks of 16, scale amax / 6 rounded to fp8_e4m3, fp4_e2m1 elements (the per-tensor
  fp32 scale is left out, as in hwsim/formats.py).

An average width (``5.25``) has no rounding to apply and is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from hwsim.errors import HwsimInputError
from hwsim.formats import E8M0, BlockFormat, FloatFormat, IntFormat, NumberFormat, ScaleOnlyFormat, parse_format

# largest finite value of the FP formats that are not IEEE-like (no inf; E4M3 keeps only the
# all-ones mantissa of the top exponent for NaN): OCP 8-bit FP v1.0 Table 1 (E4M3 448), OCP MX v1.0
# Tables 2-3 (FP6 E2M3 7.5, E3M2 28, FP4 E2M1 6)
_FINITE_MAX = {(4, 3): 448.0, (2, 3): 7.5, (3, 2): 28.0, (2, 1): 6.0}
# MX element emax (OCP MX v1.0 Sec. 5.3-5.4: the exponent of the element's largest normal)
_MX_INT8_FRACTION_BITS = 6  # OCP MX v1.0 Sec. 5.4: MXINT8 element = int8 x 2^-6


def float_max(fmt: FloatFormat) -> float:
    """The largest finite value (IEEE-like formats: top exponent reserved for inf/NaN)."""
    key = (fmt.exponent_bits, fmt.mantissa_bits)
    if key in _FINITE_MAX:
        return _FINITE_MAX[key]
    bias = 2 ** (fmt.exponent_bits - 1) - 1
    return (2.0 - 2.0 ** -fmt.mantissa_bits) * 2.0 ** (2 ** fmt.exponent_bits - 2 - bias)


def round_float(x: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """``x`` rounded to nearest even on ``fmt``'s grid (subnormals included), saturated to +-max."""
    bias = 2 ** (fmt.exponent_bits - 1) - 1
    emin = 1 - bias
    top = float_max(fmt)
    magnitude = np.abs(x)
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log2(np.where(magnitude > 0, magnitude, 1.0)))
    step = np.exp2(np.maximum(exponent, emin) - fmt.mantissa_bits)
    rounded = np.round(x / step) * step  # numpy rounds half to even
    return np.clip(rounded, -top, top)


def _round_scale(scale: np.ndarray, fmt) -> np.ndarray:
    if isinstance(fmt, FloatFormat):
        tiny = 2.0 ** (2 - 2 ** (fmt.exponent_bits - 1) - fmt.mantissa_bits)  # the smallest subnormal
        return np.maximum(round_float(scale, fmt), tiny)
    return scale  # an INT scale keeps its value (module docstring)


def _element_max(element) -> float:
    if isinstance(element, IntFormat):
        return float(2 ** (element.bits - 1) - 1) if element.signed else float(2 ** element.bits - 1)
    return float_max(element)


def _quantise_elements(x: np.ndarray, element) -> np.ndarray:
    """``x`` already divided by its scale, rounded to the element format."""
    if isinstance(element, IntFormat):
        low, high = (-(2 ** (element.bits - 1)), 2 ** (element.bits - 1) - 1) if element.signed else (0, 2 ** element.bits - 1)
        return np.clip(np.round(x), low, high)
    return round_float(x, element)


def _safe(scale: np.ndarray) -> np.ndarray:
    return np.where(scale > 0, scale, 1.0)  # an all-zero channel or group stays zero


def _per_channel(w: np.ndarray, fmt) -> np.ndarray:
    if isinstance(fmt, IntFormat) and not fmt.signed:
        low, high = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
        scale = _safe((high - low) / (2 ** fmt.bits - 1))
        zero = np.round(-low / scale)
        return (np.clip(np.round(w / scale) + zero, 0, 2 ** fmt.bits - 1) - zero) * scale
    scale = _safe(np.abs(w).max(axis=1, keepdims=True) / _element_max(fmt))
    return _quantise_elements(w / scale, fmt) * scale


def _blocks(w: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    out, width = w.shape
    size = min(size, width)   # a group wider than the row is the row (the last group may be short)
    pad = (-width) % size
    padded = np.pad(w, ((0, 0), (0, pad)))  # zeros change no block's amax
    return padded.reshape(out, -1, size), width


def _block(w: np.ndarray, fmt: BlockFormat) -> np.ndarray:
    blocks, width = _blocks(w, fmt.block_size)
    amax = np.abs(blocks).max(axis=2, keepdims=True)
    element = fmt.element
    if fmt.scale == E8M0 or isinstance(fmt.scale, ScaleOnlyFormat):
        if isinstance(element, IntFormat):  # MXINT8: int8 x 2^-6, emax 0
            emax, unit = 0, 2.0 ** -_MX_INT8_FRACTION_BITS
        else:
            emax, unit = math.floor(math.log2(float_max(element))), 1.0
        with np.errstate(divide="ignore"):
            shared = np.floor(np.log2(np.where(amax > 0, amax, 1.0))) - emax
        scale = np.exp2(shared)
        q = _quantise_elements(blocks / scale / unit, element) * unit * scale
    else:
        scale = _safe(_round_scale(amax / _element_max(element), fmt.scale))
        q = _quantise_elements(blocks / scale, element) * scale
    return q.reshape(w.shape[0], -1)[:, :width]


def quantise(w: np.ndarray, fmt: NumberFormat | str) -> np.ndarray:
    """``w`` [out, in] quantised to ``fmt`` (a format or its name) and back to real values, by the
    rules of the module docstring (``hwsim.quantise``).

        >>> hwsim.quantise([[1.0, -0.5, 0.25, 0.1]], "int4") * 7
        array([[ 7., -4.,  2.,  1.]])
    """
    if isinstance(fmt, (str, int, float)) and not isinstance(fmt, bool):   # a name, or an average width
        fmt = parse_format(fmt)
    if not isinstance(fmt, NumberFormat):
        raise HwsimInputError(f"{fmt!r} is not a number format", field="fmt",
                              allowed="a format name (int4, fp8_e4m3, int4@g128, mxfp4, ...) or a format object")
    if np.asarray(w).dtype.kind == "b":   # booleans are not weights: True and False would read as 1.0 and 0.0
        raise HwsimInputError("a matrix of booleans is not a matrix of weights", field="w",
                              allowed="a 2-D array of finite real numbers")
    if np.iscomplexobj(w) or np.ma.isMaskedArray(w):   # an imaginary part or a mask would be dropped
        raise HwsimInputError(f"a {type(w).__name__} of {np.asarray(w).dtype} is not a real matrix", field="w",
                              allowed="a 2-D array of finite real numbers")
    try:
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise HwsimInputError("not a matrix of numbers", field="w", allowed="a 2-D array of finite real numbers") from None
    if w.ndim != 2:
        raise HwsimInputError(f"shape {w.shape} is not a 2-D [out, in] matrix", field="w",
                              allowed="a 2-D array (a Conv's kernel flattened per output channel)")
    if w.size == 0:   # no weights: no perturbation to measure
        raise HwsimInputError(f"shape {w.shape} holds no weights", field="w", allowed="at least one row and one column")
    if not np.isfinite(w).all():   # NaN or inf would spread through the channel's scale
        raise HwsimInputError("holds NaN or infinite values", field="w", allowed="finite weights")
    element = fmt.element if isinstance(fmt, BlockFormat) else fmt
    if isinstance(element, IntFormat) and element.signed and element.bits < 2:
        # symmetric rounding scales amax to the largest value, which is 0 for a signed 1-bit integer
        raise HwsimInputError(f"'{fmt.name}' has no symmetric rounding grid (its largest value is 0)",
                              field="fmt", allowed="signed INT weights of 2 bits or more, or uint1")
    if isinstance(fmt, BlockFormat):
        return _block(w, fmt)
    if isinstance(fmt, (IntFormat, FloatFormat)):
        return _per_channel(w, fmt)
    raise HwsimInputError(f"'{fmt.name}' has no rounding rule (an average width or a scale-only format)",
                          field="fmt", allowed="INT, FP, group or MX formats")


@dataclass(frozen=True)
class WeightLayer:
    """One weight matrix of a model, [out, in], named as the workload names the layer."""

    layer: str
    op_type: str
    weights: np.ndarray


def perturbation(weights: np.ndarray, fmt: NumberFormat) -> tuple[float, float]:
    """(||Q(W) - W||^2, SQNR in dB; inf when Q(W) = W)."""
    error = float(np.sum((quantise(weights, fmt) - weights) ** 2))
    signal = float(np.sum(np.asarray(weights, dtype=np.float64) ** 2))
    sqnr = math.inf if error == 0 else (10.0 * math.log10(signal / error) if signal > 0 else -math.inf)
    return error, sqnr


def sensitivity_table(layers: Sequence[WeightLayer], candidates: Sequence[str], traces: dict[str, float] | None = None):
    """One row per layer and candidate: layer, candidate, weights_format, n_params, delta_w2,
    sqnr_db, and with ``traces`` (layer -> Tr(H)/n) hessian_trace and omega."""
    import pandas as pd

    from hwsim.dse.precision import parse_mix

    try:
        mixes = [parse_mix(c) for c in candidates]
    except HwsimInputError as exc:   # the mix came from --candidates, not a precision setting
        raise HwsimInputError(exc.message, field="--candidates", allowed=exc.allowed) from None
    names = [mix.name.strip().lower() for mix in mixes]   # W4A8 and w4a8 are one mix
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:   # each would be a second row of the same layer and candidate
        raise HwsimInputError(f"{', '.join(repeated)} listed twice", field="--candidates",
                              allowed="each mix once")
    if traces is not None:
        missing = [l.layer for l in layers if l.layer not in traces]
        if missing:
            raise HwsimInputError(f"no Hessian trace for layer(s) {', '.join(missing[:8])}", field="--hessian-traces",
                                  allowed="a layer,hessian_trace row for every weight layer")
    rows = []
    for layer in layers:
        for mix in mixes:
            try:
                delta, sqnr = perturbation(layer.weights, mix.weights)
            except HwsimInputError as exc:
                if exc.field != "fmt":
                    raise
                # the format came from --candidates
                raise HwsimInputError(exc.message, field="--candidates", allowed=exc.allowed) from None
            row = {"layer": layer.layer, "candidate": mix.name, "weights_format": mix.weights.name,
                   "n_params": int(layer.weights.size), "delta_w2": delta, "sqnr_db": sqnr}
            if traces is not None:
                row["hessian_trace"] = traces[layer.layer]
                row["omega"] = traces[layer.layer] * delta
            rows.append(row)
    return pd.DataFrame(rows)


# ---- ONNX ------------------------------------------------------------------------------------

def onnx_weight_layers(path: str | Path) -> list[WeightLayer]:
    """The weight matrices of an ONNX model's Conv, Gemm and MatMul nodes whose weight is an
    initializer, [out, in], each named as hwsim's ONNX frontend names its layer (its ``node_names``:
    the node's name, else ``<op type lowercased>_<node index>``, a repeat suffixed ``#2``, ...)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise HwsimInputError('reading ONNX models needs onnx: pip install -e ".[onnx]"') from None
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises DecodeError, OSError, ... for a file that is not a model
        raise HwsimInputError(f"cannot read the ONNX model: {exc}", source=str(path)) from None
    from hwsim.workload.frontends.onnx import node_names

    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    layers = []
    # the frontend's own naming rule (one function, so the names cannot drift apart)
    for name, node in zip(node_names(list(graph.node)), graph.node):
        matrix = _weight_matrix(node, initializers, numpy_helper)
        if matrix is not None:
            layers.append(WeightLayer(name, node.op_type, matrix))
    if not layers:
        raise HwsimInputError("no Conv, Gemm or MatMul node with an initializer weight", source=str(path),
                              allowed="a model whose weights are stored as initializers")
    return layers


def _weight_matrix(node, initializers, numpy_helper) -> np.ndarray | None:
    inputs = list(node.input)
    if node.op_type == "Conv" and len(inputs) > 1 and inputs[1] in initializers:
        w = numpy_helper.to_array(initializers[inputs[1]]).astype(np.float64)
        return w.reshape(w.shape[0], -1)
    if node.op_type == "Gemm" and len(inputs) > 1 and inputs[1] in initializers:
        w = numpy_helper.to_array(initializers[inputs[1]]).astype(np.float64)
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return w if trans_b else w.T  # B is [K, N] unless transB: [N, K] = [out, in]
    if node.op_type == "MatMul" and len(inputs) > 1 and inputs[1] in initializers:
        w = numpy_helper.to_array(initializers[inputs[1]]).astype(np.float64)
        if w.ndim != 2:
            return None  # a batched constant operand is no layer's weight matrix
        return w.T
    return None


def read_traces(path: str | Path) -> dict[str, float]:
    """``layer,hessian_trace`` (Tr(H)/n per parameter), one row per layer."""
    import csv
    import io

    from hwsim.inputs import read_text

    text = read_text(path, "Hessian trace file")
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].lstrip().startswith("#")]
    if not rows or [h.strip().lower() for h in rows[0]] != ["layer", "hessian_trace"]:
        raise HwsimInputError("the header must be layer,hessian_trace", source=str(path), field="header")
    traces = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise HwsimInputError(f"row {line}: {len(row)} cells, the header has 2", source=str(path))
        try:
            value = float(row[1])
        except ValueError:
            raise HwsimInputError(f"row {line}: '{row[1]}' is not a number", source=str(path),
                                  field="hessian_trace") from None
        if not math.isfinite(value) or value < 0:
            # HAWQ's Omega = Tr(H)/n x ||Q(W) - W||^2 ranks layers by a positive semi-definite
            # curvature (HAWQ-V3, Yao et al., ICML 2021, eq. 3): a negative trace would reward the
            # larger perturbation
            raise HwsimInputError(f"row {line}: '{row[1]}' is not a finite number >= 0", source=str(path),
                                  field="hessian_trace", allowed="Tr(H)/n >= 0 (a negative Hutchinson estimate "
                                                                 "needs more samples)")
        layer = row[0].strip()
        if layer in traces:
            raise HwsimInputError(f"row {line}: layer '{layer}' has a trace already", source=str(path),
                                  field="layer", allowed="one row per layer")
        traces[layer] = value
    return traces
