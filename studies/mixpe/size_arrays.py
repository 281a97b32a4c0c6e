"""Array shapes of the equal-area MixPE comparison set (docs/models/shiftadd-pe.md).

Budget: the PE array of a 64x64 INT8 x INT8 MAC array (int32 accumulator) at the set's node.
For each preset: PEs = budget / PE area, rows = round(sqrt(PEs)), cols = round(PEs / rows), so
rows x cols x PE area is within a fraction of a percent of the budget (tested within 5%).

    python studies/mixpe/size_arrays.py           # print the derivation
    python studies/mixpe/size_arrays.py --write   # also write rows, cols and the derivation
                                                  # comment into accelerators/<preset>.yaml
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import hwsim
from hwsim.costs import mac_pe_cost

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ("baseline-w8a8", "mixpe-w4a8", "mixpe-w4a16", "baseline-fp16", "baseline-w4a16-dequant")
REFERENCE_SHAPE = (64, 64)


def budget_um2(node_nm: float) -> tuple[float, float]:
    """(budget, reference PE area): the 64x64 INT8 MAC array's PE array."""
    pe = mac_pe_cost("int8", "int8", "int32", node_nm).area_um2
    return REFERENCE_SHAPE[0] * REFERENCE_SHAPE[1] * pe, pe


def shape(name: str) -> dict:
    path = ROOT / "accelerators" / f"{name}.yaml"
    # a 1x1 probe: the PE's area does not depend on the shape, and an unsized preset gets one
    probe = hwsim.load_accelerator(str(path), ["compute.rows=1", "compute.cols=1"])
    pe_area = probe.pe.area_um2(probe.tech).value
    budget, ref = budget_um2(probe.spec.tech_node_nm)
    pes = budget / pe_area
    rows = round(math.sqrt(pes))
    cols = round(pes / rows)
    area = rows * cols * pe_area
    derivation = (f"budget {budget / 1e6:.4f} mm2 / PE area {pe_area:.2f} um2 = {pes:.1f} PEs -> {rows} x {cols} "
                  f"= {rows * cols} PEs, PE array {area / 1e6:.4f} mm2 ({100 * (area / budget - 1):+.2f}% of budget)")
    return {"name": name, "path": path, "rows": rows, "cols": cols, "pe_area_um2": pe_area, "pes": pes,
            "pe_array_mm2": area / 1e6, "budget_mm2": budget / 1e6, "derivation": derivation}


def write(result: dict) -> None:
    path = result["path"]
    text = path.read_text()
    text = re.sub(r"^(  rows: )\S+", rf"\g<1>{result['rows']}", text, count=1, flags=re.M)
    text = re.sub(r"^(  cols: )\S+", rf"\g<1>{result['cols']}", text, count=1, flags=re.M)
    text = re.sub(r"^(# derived \(studies/mixpe/size_arrays.py\): ).*$", lambda m: m.group(1) + result["derivation"],
                  text, count=1, flags=re.M)
    path.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the shapes into the preset files")
    args = parser.parse_args(argv)
    for name in PRESETS:
        result = shape(name)
        print(f"{name:24s} {result['derivation']}")
        if args.write:
            write(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
