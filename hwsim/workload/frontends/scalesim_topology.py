"""SCALE-Sim topology CSVs: the conv header and the GEMM ``Layer, M, N, K`` header, auto-detected.

Semantics follow SCALE-Sim v3 (scalesim/topology_utils.py): rows end with a trailing comma,
no padding (the file gives already-padded input sizes), output size ceil((H - F + s) / s)
(``Conv2d.ceil_mode``), one stride for both axes, and a layer
whose name contains "DP" is depthwise: it becomes one single-channel layer per input channel,
named ``<name>Channel_<i>`` and each with the row's ``Num Filter`` filters, exactly the layer
list SCALE-Sim reports (native traces express the same conv as one layer with ``groups``). A sparsity column other than 1:1 is rejected, not ignored.
"""

from __future__ import annotations

from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import read_text
from hwsim.workload.layer import Layer, Workload
from hwsim.workload.ops import Conv2d, Gemm

CONV_COLUMNS = ["layer name", "ifmap height", "ifmap width", "filter height", "filter width",
                "channels", "num filter", "strides"]
GEMM_COLUMNS = ["layer", "m", "n", "k"]


def _cells(line: str) -> list[str]:
    cells = [c.strip() for c in line.split(",")]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def detect(header_line: str) -> str | None:
    cells = [c.lower() for c in _cells(header_line)]
    if cells[:8] == CONV_COLUMNS:
        return "conv"
    if cells[:4] == GEMM_COLUMNS:
        return "gemm"
    return None


def read_topology(path: str | Path) -> Workload:
    path = Path(path)
    lines = read_text(path, "topology").splitlines()
    if not lines:
        raise HwsimInputError("empty topology file", source=str(path))
    flavour = detect(lines[0])
    if flavour is None:
        raise HwsimInputError("header is neither SCALE-Sim's conv header nor 'Layer, M, N, K'",
                              source=str(path), allowed=f"{', '.join(CONV_COLUMNS)} | {', '.join(GEMM_COLUMNS)}")
    width = len(CONV_COLUMNS) if flavour == "conv" else len(GEMM_COLUMNS)
    layers = []
    for lineno, line in enumerate(lines[1:], start=2):
        cells = _cells(line)
        if not cells:
            continue
        if len(cells) < width or len(cells) > width + 1:
            raise HwsimInputError(f"line {lineno}: expected {width} values (+ optional sparsity), got {len(cells)}",
                                  source=str(path))
        if len(cells) == width + 1 and cells[-1].replace(" ", "") != "1:1":
            raise HwsimInputError(f"line {lineno}: sparsity '{cells[-1]}' is not modelled", source=str(path),
                                  allowed="1:1 or no sparsity column")
        name = cells[0]
        try:
            values = [int(c) for c in cells[1:width]]
        except ValueError:
            raise HwsimInputError(f"line {lineno}: non-integer dimension in {cells[1:width]}",
                                  source=str(path)) from None
        try:
            layers.extend(_layers(flavour, name, values))
        except HwsimInputError as exc:
            raise HwsimInputError(f"line {lineno} ({name}): {exc.args[0]}", source=str(path)) from None
    if not layers:
        raise HwsimInputError("topology has no layers", source=str(path))
    return Workload(path.stem, tuple(layers), f"SCALE-Sim topology {path.name}")


def _layers(flavour: str, name: str, values: list[int]) -> list[Layer]:
    if flavour == "gemm":
        m, n, k = values
        return [Layer(name, Gemm(m=m, k=k, n=n))]
    ifmap_h, ifmap_w, filter_h, filter_w, channels, num_filter, stride = values
    if "DP" in name:
        # SCALE-Sim splits a depthwise layer into one single-channel layer per channel, named
        # <name>Channel_<i>; mirroring it keeps hwsim's rows one-to-one with SCALE-Sim's reports
        conv = Conv2d(ifmap_h, ifmap_w, 1, num_filter, filter_h, filter_w, stride=stride, ceil_mode=True)
        return [Layer(f"{name}Channel_{i}", conv) for i in range(channels)]
    return [Layer(name, Conv2d(ifmap_h, ifmap_w, channels, num_filter, filter_h, filter_w, stride=stride,
                               ceil_mode=True))]


def format_topology(workload: Workload) -> str:
    """Write a workload as a SCALE-Sim conv topology (for running SCALE-Sim beside hwsim).

    Padding is folded into the input size, chosen as (out - 1) * s + F so that SCALE-Sim's ceil
    rule gives hwsim's output size; grouped convs become "DP" layers, which is only exact for
    depthwise convs (groups == in_c); other grouped convs and non-conv ops are refused.
    """
    rows = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    for layer in workload.layers:
        op = layer.op
        if op.kind == "gemm" and op.batch == 1:
            rows.append(f"{layer.name}, {op.m}, {op.k}, 1, {op.k}, 1, {op.n}, 1,")
            continue
        if op.kind != "conv2d" or op.batch != 1 or (op.groups not in (1, op.in_c)):
            raise HwsimInputError(f"layer '{layer.name}' ({op.kind}) has no SCALE-Sim conv equivalent")
        name = layer.name
        channels, filters = op.in_c, op.out_c
        if op.groups > 1:
            name = f"DP{name}" if "DP" not in name else name
            filters = op.out_c // op.groups
        elif "DP" in name:
            raise HwsimInputError(f"layer '{name}' contains 'DP' but is not depthwise; SCALE-Sim would split it")
        h = (op.out_h - 1) * op.stride + op.kernel_h
        w = (op.out_w - 1) * op.stride + op.kernel_w
        for _ in range(layer.count):
            rows.append(f"{name}, {h}, {w}, {op.kernel_h}, {op.kernel_w}, {channels}, {filters}, {op.stride},")
    return "\n".join(rows) + "\n"
