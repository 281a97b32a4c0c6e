"""The mapper (``mapping: auto``, hwsim/arch/fabrics/systolic/mapper.py) against an independent exhaustive
search of the same traffic model, its invariants (compulsory <= auto <= scalesim), the physics of
buffers, bandwidth, banks and clock, an LLM decode on TPU v1, and ``evaluate`` == ``simulate``.

The exhaustive search here shares no code with the mapper: it enumerates every tile Mt x Nt x Kt
of the candidate space (spatial dimensions of the array in whole array units or the full
dimension, temporal dimensions any size) and all six loop orders, and costs each by the generic
rule "an operand's tile is fetched once per iteration of every loop from the outermost down to
the innermost loop it depends on whose trip count is > 1", with partial sums spilled (write +
read at accumulator bits) when C is revisited across K passes.
"""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.errors import HwsimInputError

BASE = "scalesim-default"
A_BITS = B_BITS = OUT_BITS = 8   # scalesim-default: int8 weights, activations and outputs
ACC_BITS = 32                    # int32 accumulators
DATAFLOWS = ("os", "ws", "is")
ORDERS = tuple(itertools.permutations("mnk"))   # outer -> inner


def _work(*ops, name="w"):
    return hwsim.Workload(name, tuple(hwsim.Layer(f"l{i}", op) for i, op in enumerate(ops)))


def _accel(overrides, base=BASE):
    return hwsim.load_accelerator(base, overrides=list(overrides))


def _dram(layers) -> np.ndarray:
    return (layers["dram_reads_bits"] + layers["dram_writes_bits"]).to_numpy(dtype=float)


# -- 1. exhaustive search ------------------------------------------------------------------------

def _spatial(dim: int, unit: int) -> np.ndarray:
    """Whole array units below the dimension, or the full dimension."""
    return np.array(sorted({u for u in range(unit, dim, unit)} | {dim}), dtype=np.float64)


def _temporal(dim: int) -> np.ndarray:
    return np.arange(1, dim + 1, dtype=np.float64)


def _fetch_factor(order, trips, relevant):
    """Product of the trip counts of the loops the operand does not depend on that sit outside
    its innermost relevant loop with more than one trip (1 if it has none)."""
    factor = np.ones(np.broadcast_shapes(*(t.shape for t in trips.values())))
    inner_relevant = np.zeros(factor.shape, dtype=bool)
    for dim in reversed(order):                      # inner -> outer
        if dim in relevant:
            inner_relevant = inner_relevant | (trips[dim] > 1)
        else:
            factor = np.where(inner_relevant, factor * trips[dim], factor)
    return factor


def brute_force(m, k, n, rows, cols, dataflow, w_a, w_b, w_c, rho=1.0):
    """Minimum DRAM bits over every tile and loop order (inf if no tile fits), and the argmin."""
    units = {"os": {"m": rows, "n": cols}, "ws": {"k": rows, "n": cols}, "is": {"k": rows, "m": cols}}[dataflow]
    dims = {"m": m, "n": n, "k": k}
    tiles = {d: (_spatial(dims[d], units[d]) if d in units else _temporal(dims[d])) for d in "mnk"}
    mt = tiles["m"][:, None, None]
    nt = tiles["n"][None, :, None]
    kt = tiles["k"][None, None, :]
    fits = (mt * kt * rho * A_BITS <= w_a) & (kt * nt * B_BITS <= w_b) & (mt * nt * ACC_BITS <= w_c)
    if not fits.any():
        return math.inf, None
    trips = {"m": np.ceil(m / mt), "n": np.ceil(n / nt), "k": np.ceil(k / kt)}
    a_all, b_all, mn = rho * m * k * A_BITS, k * n * B_BITS, m * n
    best, arg = math.inf, None
    for order in ORDERS:
        a = a_all * _fetch_factor(order, trips, "mk")
        b = b_all * _fetch_factor(order, trips, "kn")
        visits = _fetch_factor(order, trips, "mn")          # K passes over each C tile
        spill = (visits - 1.0) * mn
        total = a + b + mn * OUT_BITS + 2.0 * spill * ACC_BITS
        total = np.where(fits, total, np.inf)
        i = np.unravel_index(np.argmin(total), total.shape)
        if total[i] < best:
            best = float(total[i])
            arg = (">".join(order), float(tiles["m"][i[0]]), float(tiles["n"][i[1]]), float(tiles["k"][i[2]]))
    return best, arg


def _generic_traffic(order, mt, nt, kt, m, k, n):
    trips = {"m": np.array(math.ceil(m / mt)), "n": np.array(math.ceil(n / nt)), "k": np.array(math.ceil(k / kt))}
    a = m * k * A_BITS * _fetch_factor(order, trips, "mk")
    b = k * n * B_BITS * _fetch_factor(order, trips, "kn")
    spill = (_fetch_factor(order, trips, "mn") - 1.0) * m * n
    return float(a + b + m * n * OUT_BITS + 2.0 * spill * ACC_BITS)


def _random_case(rng):
    m, k, n = (int(x) for x in rng.integers(1, 201, size=3))
    rows = int(rng.integers(4, 17))
    cols = rows if rng.random() < 0.4 else int(rng.integers(4, 17))
    kib = [float(np.round(2.0 ** rng.uniform(-2, 4), 2)) for _ in range(3)]   # 0.25 .. 16 KiB
    return dict(m=m, k=k, n=n, rows=rows, cols=cols, dataflow=str(rng.choice(DATAFLOWS)),
                kib=kib, dbuf=bool(rng.random() < 0.5))



def _case_overrides(c):
    return ["mapping=auto", "mapping_objective=energy", f"compute.rows={c['rows']}", f"compute.cols={c['cols']}",
            f"compute.dataflow={c['dataflow']}", f"buffers.ifmap.size_kib={c['kib'][0]}",
            f"buffers.filter.size_kib={c['kib'][1]}", f"buffers.ofmap.size_kib={c['kib'][2]}",
            f"buffers.double_buffered={str(c['dbuf']).lower()}"]


def _working_bits(c):
    return [x * 8192.0 / (2.0 if c["dbuf"] else 1.0) for x in c["kib"]]


@pytest.fixture(scope="module")
def search_cases():
    """40 feasible random GEMM cases (seeded): the case, hwsim's layer row, the exhaustive minimum."""
    rng = np.random.default_rng(int(os.environ.get("HWSIM_MAPPER_SEED", "2024")))
    out, infeasible = [], 0
    while len(out) < 40:
        c = _random_case(rng)
        best, arg = brute_force(c["m"], c["k"], c["n"], c["rows"], c["cols"], c["dataflow"], *_working_bits(c))
        if math.isinf(best):   # no tile of the model fits: hwsim falls back to SCALE-Sim's order
            infeasible += 1
            continue
        row = hwsim.simulate(_accel(_case_overrides(c)), _work(hwsim.Gemm(c["m"], c["k"], c["n"]))).layers.iloc[0]
        out.append((c, row, best, arg))
    ratios = np.array([float(r["dram_reads_bits"] + r["dram_writes_bits"]) / best for _, r, best, _ in out])
    print(f"\nmapper / exhaustive DRAM bits, {len(out)} GEMMs ({infeasible} infeasible skipped): min "
          f"{ratios.min():.4f} median {np.median(ratios):.4f} p90 {np.quantile(ratios, 0.9):.4f} max "
          f"{ratios.max():.4f}; exact {(np.abs(ratios - 1) < 1e-4).sum()}, below {(ratios < 1 - 1e-4).sum()}, "
          f"over 5% {(ratios > 1.05).sum()}")
    assert infeasible < 20
    return out, ratios


def test_brute_force_self_check():
    # buffers holding everything: compulsory traffic (every operand once, no spill)
    big = 1e12
    best, _ = brute_force(37, 53, 29, 8, 8, "ws", big, big, big)
    assert best == 37 * 53 * 8 + 53 * 29 * 8 + 37 * 29 * 8
    # a hand-checked case: OS, 4x4 array, M=N=8, K=4, C buffer for one 4x4 tile only
    best, arg = brute_force(8, 4, 8, 4, 4, "os", big, big, 4 * 4 * ACC_BITS)
    # 4x4 C tiles, Kt = K: m>n>k keeps the A tile (one k trip) across n and refetches B per m trip
    assert best == 8 * 4 * 8 + 2 * 4 * 8 * 8 + 8 * 8 * 8
    assert arg[1:] == (4.0, 4.0, 4.0)
    # the generic rule: with order m>n>k and Tk = Tm = 1, A is fetched once (no loop of A moves)
    assert _generic_traffic("mnk", 8, 2, 4, 8, 4, 8) == 8 * 4 * 8 + 4 * 8 * 8 + 8 * 8 * 8


def test_mapper_within_5_percent_of_exhaustive_search(search_cases):
    cases, ratios = search_cases
    failures = [(c, best, arg, float(r["dram_reads_bits"] + r["dram_writes_bits"]), r["loop_order"], r["tile_m"],
                 r["tile_n"], r["tile_k"]) for (c, r, best, arg), ratio in zip(cases, ratios) if ratio > 1.05]
    assert not failures, "\n".join(map(str, failures))


def test_mapper_against_exhaustive_search_bounds(search_cases):
    """What holds today (a regression guard beside the 5% target): most cases exact, none above
    25%, the reported tiles fit, and the reported traffic is the model's for its order and tiles."""
    cases, ratios = search_cases
    assert np.median(ratios) <= 1.0 + 1e-9
    assert (ratios <= 1.05).mean() >= 0.85
    assert ratios.max() <= 1.25
    for c, row, best, _ in cases:
        got = float(row["dram_reads_bits"] + row["dram_writes_bits"])
        if row["loop_order"].startswith("scalesim"):
            continue   # SCALE-Sim's order keeps whole operands resident: may beat the tiled model
        mt, nt, kt = row["tile_m"], row["tile_n"], row["tile_k"]
        # a double-buffered design may run a layer in its whole buffers with exposed loads
        w_a, w_b, w_c = _working_bits(dict(c, dbuf=c["dbuf"] and row["buffering"] == "double"))
        assert mt * kt * A_BITS <= w_a and kt * nt * B_BITS <= w_b and mt * nt * ACC_BITS <= w_c, (c, row)
        units = {"os": (c["rows"], c["cols"], 1), "ws": (1, c["cols"], c["rows"]),
                 "is": (c["cols"], 1, c["rows"])}[c["dataflow"]]
        for tile, dim, unit in zip((mt, nt, kt), (c["m"], c["n"], c["k"]), units):
            assert tile == dim or (tile % unit == 0 and 0 < tile < dim), (c, row)
        # the mapper's table refetches A (B) once per n (m) trip even when no loop of A (B) has more
        # than one trip, so it is never below the generic rule, and equal when those trips are > 1
        generic = _generic_traffic(tuple(row["loop_order"].split(">")), mt, nt, kt, c["m"], c["k"], c["n"])
        assert got >= generic - 1e-6, (c, row, generic)
        if not (c["dbuf"] and row["buffering"] == "single"):   # whole buffers beat the halved search
            assert got >= best - 1e-6, (c, row, best)


def test_mapper_reproducer_ws_gemm():
    # fixed: tiles of equal trip count are evened out (Kt 145 -> 95) and the resident tile regrows
    c = dict(m=51, k=184, n=67, rows=5, cols=5, dataflow="ws", kib=[2.04, 2.85, 1.44], dbuf=True)
    best, arg = brute_force(c["m"], c["k"], c["n"], c["rows"], c["cols"], c["dataflow"], *_working_bits(c))
    assert best == 720008.0 and arg == ("n>k>m", 1.0, 15.0, 95.0)
    row = hwsim.simulate(_accel(_case_overrides(c)), _work(hwsim.Gemm(51, 184, 67))).layers.iloc[0]
    assert row["dram_reads_bits"] + row["dram_writes_bits"] <= 1.05 * best


def test_trip_lattice_search_is_exact():
    """mapper._lattice_best (each loop order's least-traffic tiling: two tiles trading their refetch
    terms cx Tx + cy Ty under caps and a product bound) against every pair of tiles."""
    from hwsim.arch.fabrics.systolic.mapper import _lattice_best
    rng = np.random.default_rng(7)
    for _ in range(300):
        dx, dy = (int(v) for v in rng.integers(1, 300, 2))
        ux, uy = (float(v) for v in rng.choice([1, 2, 5, 16], 2))
        cx, cy = (float(v) for v in rng.choice([0.0, 1.0, 3.0, 7.0, 40.0], 2))
        cap_x, cap_y, bound = float(rng.uniform(0.5, 300)), float(rng.uniform(0.5, 300)), float(rng.uniform(1, 20000))
        tx, ty = _spatial(dx, int(ux))[:, None], _spatial(dy, int(uy))[None, :]
        fits = (tx <= cap_x) & (ty <= cap_y) & (tx * ty <= bound)
        cost = np.where(fits, cx * np.ceil(dx / tx) + cy * np.ceil(dy / ty), np.inf)
        got_x, got_y = _lattice_best(dx, ux, cx, cap_x, dy, uy, cy, cap_y, bound)
        if not fits.any():
            assert (got_x, got_y) == (0.0, 0.0)
            continue
        assert got_x <= cap_x and got_y <= cap_y and got_x * got_y <= bound
        assert got_x in tx and got_y in ty
        assert cx * math.ceil(dx / got_x) + cy * math.ceil(dy / got_y) == cost.min(), (dx, ux, dy, uy, cap_x, cap_y, bound)


# -- shared random layers and design points --------------------------------------------------------

def _random_layers(rng, count):
    ops = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            ops.append(hwsim.Gemm(*(int(x) for x in rng.integers(1, 300, 3))))
        elif kind == 1:     # strided 1x1
            h = int(rng.integers(2, 30))
            ops.append(hwsim.Conv2d(h, h, int(rng.integers(1, 64)), int(rng.integers(1, 64)), 1, 1,
                                    stride=int(rng.choice([2, 3]))))
        else:               # 3x3, stride 1 or 2, padded or not
            h = int(rng.integers(3, 30))
            ops.append(hwsim.Conv2d(h, h, int(rng.integers(1, 64)), int(rng.integers(1, 64)), 3, 3,
                                    stride=int(rng.choice([1, 2])), padding=int(rng.integers(0, 2))))
    return ops


def _random_points(rng, size, bandwidth=True):
    points = {
        "compute.rows": rng.integers(4, 33, size), "compute.cols": rng.integers(4, 33, size),
        "compute.dataflow": rng.choice(DATAFLOWS, size),
        "buffers.ifmap.size_kib": np.round(2.0 ** rng.uniform(-2, 6, size), 2),
        "buffers.filter.size_kib": np.round(2.0 ** rng.uniform(-2, 6, size), 2),
        "buffers.ofmap.size_kib": np.round(2.0 ** rng.uniform(-2, 6, size), 2),
        "buffers.double_buffered": rng.random(size) < 0.5,
    }
    if bandwidth:
        points["dram.bandwidth_gb_s"] = rng.choice([1.0, 8.0, 64.0], size)
    return pd.DataFrame(points)


@pytest.fixture(scope="module")
def random_study():
    rng = np.random.default_rng(11)
    return _work(*_random_layers(rng, 32)), _random_points(rng, 80)


def _per_layer(overrides, work, points):
    return hwsim.evaluate(_accel(overrides), work, points, per_layer=True)


@pytest.fixture(scope="module")
def random_base(random_study):
    """The random study's own per-layer table per mapping, evaluated once for the module (several
    tests compare their variations against the same baseline); callers only read it."""
    work, points = random_study
    tables = {}

    def base(overrides):
        key = tuple(overrides)
        if key not in tables:
            tables[key] = _per_layer(overrides, work, points)
        return tables[key]
    return base


# -- 2. invariants ----------------------------------------------------------------------------------

def _touched(size, kernel, stride, pad, out):
    rows = {i * stride + d - pad for i in range(out) for d in range(kernel)}
    return sum(1 for r in rows if 0 <= r < size)


def _compulsory_bits(op) -> float:
    if isinstance(op, hwsim.Gemm):
        return 8.0 * (op.m * op.k + op.k * op.n + op.m * op.n)
    oh, ow = op.out_h, op.out_w
    inputs = _touched(op.in_h, op.kernel_h, op.stride, op.padding, oh) * \
        _touched(op.in_w, op.kernel_w, op.stride, op.padding, ow) * op.in_c
    weights = op.kernel_h * op.kernel_w * op.in_c // op.groups * op.out_c
    return 8.0 * op.batch * (inputs + oh * ow * op.out_c) + 8.0 * weights


@pytest.mark.parametrize("objective", ["latency", "energy", "edp"])
def test_auto_traffic_between_compulsory_and_scalesim(random_study, random_base, objective):
    work, points = random_study
    auto = random_base(["mapping=auto", f"mapping_objective={objective}"])
    ss = random_base(["mapping=scalesim"])
    dram_auto, dram_ss = _dram(auto), _dram(ss)
    compulsory = auto["compulsory_dram_bits"].to_numpy(dtype=float)
    # compulsory is every weight, every distinct input (a strided 1x1 skips pixels) and output once
    expected = np.tile([_compulsory_bits(layer.op) for layer in work.layers], len(points))
    np.testing.assert_allclose(compulsory, expected, rtol=1e-12)
    low = dram_auto < compulsory * (1 - 1e-12)
    high = dram_auto > dram_ss * (1 + 1e-12)
    assert not low.any(), auto[low].iloc[:5].to_dict("records")
    assert not high.any(), auto[high].iloc[:5].to_dict("records")
    assert (dram_auto < dram_ss * (1 - 1e-9)).mean() > 0.1   # the mapper does find better orders


# -- 3. physics -------------------------------------------------------------------------------------

# The mapper may run a double-buffered design's layer in its whole buffers with exposed loads, so
# under the latency objective double buffering is never slower. (SCALE-Sim's fixed order always
# halves its buffers, as SCALE-Sim does; the edp objective may trade time for energy.)
@pytest.mark.parametrize("overrides", [pytest.param(["mapping=auto", "mapping_objective=latency"], id="auto-latency")])
def test_double_buffering_never_slower(random_study, overrides):
    work, points = random_study
    on = _per_layer(overrides, work, points.assign(**{"buffers.double_buffered": True}))
    off = _per_layer(overrides, work, points.assign(**{"buffers.double_buffered": False}))
    worse = on["total_cycles"].to_numpy() > off["total_cycles"].to_numpy()
    assert not worse.any(), f"{worse.sum()} of {len(on)} layers slower double-buffered"


def test_double_buffering_never_slower_same_traffic():
    """Where double buffering does not change the traffic (buffers hold everything), it never adds
    cycles, under both mappings."""
    rng = np.random.default_rng(3)
    work = _work(*_random_layers(rng, 12))
    points = _random_points(rng, 40).assign(**{f"buffers.{r}.size_kib": 4096.0 for r in ("ifmap", "filter", "ofmap")})
    points["buffers.ifmap.banks"] = points["buffers.filter.banks"] = points["buffers.ofmap.banks"] = 64
    for overrides in (["mapping=scalesim"], ["mapping=auto", "mapping_objective=latency"]):
        on = _per_layer(overrides, work, points.assign(**{"buffers.double_buffered": True}))
        off = _per_layer(overrides, work, points.assign(**{"buffers.double_buffered": False}))
        np.testing.assert_array_equal(_dram(on), _dram(off))
        assert (on["total_cycles"].to_numpy() <= off["total_cycles"].to_numpy()).all()


_BW_REASON = (
    "mapper defect: the mapper's objective ignores SRAM port stalls that systolic.py adds afterwards, so "
    "with more bandwidth it picks a higher-traffic mapping whose port stalls cost more than it saves. "
    "Reproducer: Gemm(64,100,48), WS 10x9, ifmap/filter/ofmap 0.4/0.3/0.7 KiB double-buffered, mapping "
    "auto, objective latency: 19056 cycles at 8 GB/s (m>n>k, 639k DRAM bits) vs 20784 at 16 GB/s "
    "(n>k>m, 2.14M DRAM bits, 15324 stall cycles); with 256 banks per buffer it is monotone")


@pytest.mark.parametrize("overrides", [
    pytest.param(["mapping=scalesim"], id="scalesim"),
    pytest.param(["mapping=auto", "mapping_objective=energy"], id="auto-energy"),
    pytest.param(["mapping=auto", "mapping_objective=latency"], id="auto-latency"),
    # (edp is left out: trading energy for time, more bandwidth may buy a lower-energy, longer mapping)
])
def test_more_bandwidth_never_adds_cycles(random_study, random_base, overrides):
    work, points = random_study
    base = random_base(overrides)
    for factor in (2.0, 10.0):
        more = _per_layer(overrides, work, points.assign(**{"dram.bandwidth_gb_s": points["dram.bandwidth_gb_s"] * factor}))
        worse = more["total_cycles"].to_numpy() > base["total_cycles"].to_numpy()
        assert not worse.any(), more[worse][["point", "layer", "loop_order", "total_cycles"]].to_dict("records")


def test_more_bandwidth_never_adds_cycles_with_ample_ports(random_study):
    """The same sweep with ports wide enough never to stall: monotone under every objective."""
    work, points = random_study
    points = points.assign(**{f"buffers.{r}.banks": 256 for r in ("ifmap", "filter", "ofmap")})
    for objective in ("latency", "energy"):
        overrides = ["mapping=auto", f"mapping_objective={objective}"]
        base = _per_layer(overrides, work, points)
        more = _per_layer(overrides, work, points.assign(**{"dram.bandwidth_gb_s": points["dram.bandwidth_gb_s"] * 2}))
        assert (more["total_cycles"].to_numpy() <= base["total_cycles"].to_numpy()).all(), objective


def test_more_bandwidth_reproducer():
    # fixed: the mapper's timing waits for SRAM ports, so it no longer picks a port-starved mapping
    work = _work(hwsim.Gemm(64, 100, 48))
    spec = ["mapping=auto", "mapping_objective=latency", "compute.dataflow=ws", "compute.rows=10", "compute.cols=9",
            "buffers.ifmap.size_kib=0.4", "buffers.filter.size_kib=0.3", "buffers.ofmap.size_kib=0.7",
            "buffers.double_buffered=true"]
    slow = hwsim.simulate(_accel(spec + ["dram.bandwidth_gb_s=8"]), work).layers.iloc[0]
    fast = hwsim.simulate(_accel(spec + ["dram.bandwidth_gb_s=16"]), work).layers.iloc[0]
    assert fast["total_cycles"] <= slow["total_cycles"], (slow["total_cycles"], fast["total_cycles"])


def _energy_prices(overrides):
    """The prices of the mapper's energy objective for one design (mapper.py ``_cost``): a DRAM bit
    costs the DRAM's pJ/bit plus the buffers' mean SRAM pJ/bit (it is written into a buffer), a cycle
    the design's leakage (derived: uW / MHz = pJ per cycle)."""
    design = _accel(overrides).design
    return (float(design.dram_pj_per_bit[0] + design.sram_pj_per_bit[:, 0].mean()),
            float(design.leakage_uw[0] / design.clock_mhz[0]))


@pytest.mark.parametrize("role", ["ifmap", "filter", "ofmap"])
def test_more_sram_never_adds_dram_traffic(random_study, random_base, role):
    """Every tiling that fits a buffer fits a larger one, and each loop order's least-traffic tiling
    is searched exactly, so the least traffic on offer never rises with a buffer. The energy
    objective may still take more traffic for time: a tiling the larger buffer admits, fast enough
    to save more leakage than its extra DRAM bits cost (one layer of this study: filter x 1.5, the
    hand case below). Each layer whose traffic rose must cost, by the larger design's objective, at
    most the smaller buffer's own choice run on the larger design (same array, ports and bandwidth,
    so the same cycles; the larger buffer admits that tiling) within the mapper's stated 5% of the
    best tiling (test_mapper_within_5_percent_of_exhaustive_search): its 12 candidates are not an
    exhaustive search, so a larger buffer's candidates need not include the smaller's choice (one
    layer of this study is 4.8% above it once the DRAM PHYs' static power prices every cycle)."""
    work, points = random_study
    overrides = ["mapping=auto", "mapping_objective=energy"]
    base = random_base(overrides)
    key = f"buffers.{role}.size_kib"
    for factor in (1.5, 2.0, 4.0):
        larger = points.assign(**{key: points[key] * factor})
        more = _per_layer(overrides, work, larger)
        for i in np.nonzero(_dram(more) > _dram(base) * (1 + 1e-12))[0]:
            point = larger.iloc[int(more["point"].iloc[i])]
            pj_per_bit, pj_per_cycle = _energy_prices(overrides + [_override(k, v) for k, v in point.items()])
            chosen_pj = _dram(more)[i] * pj_per_bit + float(more["total_cycles"].iloc[i]) * pj_per_cycle
            # the table's cycles are whole, the objective's fractional: one cycle of slack per side
            smaller_choice_pj = _dram(base)[i] * pj_per_bit + (float(base["total_cycles"].iloc[i]) + 2.0) * pj_per_cycle
            assert chosen_pj <= 1.05 * smaller_choice_pj, (role, factor, dict(point), more["layer"].iloc[i])


def test_more_sram_keeps_the_smaller_buffers_tiling():
    """Gemm(138, 154, 282) on a 14 x 13 WS array (the random study's point 12, layer 8), single-
    buffered, ifmap 1.96 KiB, ofmap 11.04 KiB. Bits: A = 138 x 154 x 8 = 170016, B = 154 x 282 x 8 =
    347424, C = 138 x 282 x 8 = 311328. C-resident (m>n>k) costs A Tn + B Tm + C, with Kt one array
    row (14) and Mt Nt <= 11.04 x 8192 / 32 = 2826.24 words of partial sums.

    filter 0.61 KiB (4997.12 bits): Nt <= 4997.12 / (14 x 8) = 44.6 -> 39 (3 columns of 13).
      Tm = 2 (Mt 69): Nt <= 2826.24 / 69 = 40.96 -> 39, Tn = 8: 8 A + 2 B = 2054976
    filter x 1.5 = 0.915 KiB (7495.68 bits): Nt <= 66.9 -> 65, so Tm = 3 (Mt 46) allows
      Nt <= 61.4 -> 52, Tn = 6: 6 A + 3 B = 2062368, 7392 bits more than Tm = 2, which still fits.
    The closed-form candidates of the larger buffer held (46, 52) and (35, 65), not (69, 39): its
    DRAM traffic rose to 2062368 + C = 2373696. The exact search over trip counts keeps Tm = 2."""
    work = _work(hwsim.Gemm(138, 154, 282))
    spec = ["mapping=auto", "mapping_objective=energy", "compute.dataflow=ws", "compute.rows=14", "compute.cols=13",
            "buffers.ifmap.size_kib=1.96", "buffers.ofmap.size_kib=11.04", "buffers.double_buffered=false",
            "dram.bandwidth_gb_s=1"]
    for filter_kib in (0.61, 0.915, 2.44):
        row = hwsim.simulate(_accel(spec + [f"buffers.filter.size_kib={filter_kib}"]), work).layers.iloc[0]
        assert (row["loop_order"], row["tile_m"], row["tile_n"], row["tile_k"]) == ("m>n>k", 69, 39, 14), filter_kib
        assert row["dram_ifmap_reads_bits"] == 8 * 170016 and row["dram_filter_reads_bits"] == 2 * 347424
        assert row["dram_reads_bits"] + row["dram_writes_bits"] == 8 * 170016 + 2 * 347424 + 311328   # 2366304


def test_more_sram_trades_traffic_for_time_by_the_objective():
    """Conv2d 25 x 25 x 31 -> 62, 3 x 3, padding 1 on a 26 x 18 IS array (the random study's point
    34, layer 11), single-buffered, ifmap 0.49 KiB, ofmap 1.12 KiB, 1 GB/s = 8 bits per cycle at
    1 GHz. GEMM M = 625, K = 279, N = 62; A = 25 x 25 x 31 x 8 = 155000 (every input pixel once),
    B = 279 x 62 x 8 = 138384, C = 625 x 62 x 8 = 310000 bits.

    filter 0.98 KiB: m>n>k, Mt 54, Nt 5: Tm = 12, Tn = 13: 13 A + 12 B + C = 3985608 bits.
    filter 1.47 KiB: the B tile Kt 156 x Nt 9 (1404 words <= 1.47 x 8192 / 8 = 1505, > 1003 before)
      fits, n>k>m: A Tn + B + 2 (Tk - 1) M N acc + C = 7 x 155000 + 138384 + 2 x 38750 x 32 + 310000
      = 4013384 bits: 27776 more.
    IS streams N, one pass per N tile: 385 folds (11 K x 35 M) x 13 passes -> x 7; each pass pays
    fill and drain 2 x 26 + 18 - 2 = 68: compute 385 x 62 + 5005 x 68 = 364210 -> 23870 + 2695 x 68
    = 207130 cycles; totals add DRAM / 8 (loads exposed): 862411 -> 708803. The larger design saves
    153608 cycles of leakage for 27776 bits: the energy objective's trade, not a lost tiling (the
    smaller buffer's tiling is still a candidate)."""
    work = _work(hwsim.Conv2d(25, 25, 31, 62, 3, 3, stride=1, padding=1))
    spec = ["mapping=auto", "mapping_objective=energy", "compute.dataflow=is", "compute.rows=26", "compute.cols=18",
            "buffers.ifmap.size_kib=0.49", "buffers.ofmap.size_kib=1.12", "buffers.double_buffered=false",
            "dram.bandwidth_gb_s=1"]
    small = hwsim.simulate(_accel(spec + ["buffers.filter.size_kib=0.98"]), work).layers.iloc[0]
    big_spec = spec + ["buffers.filter.size_kib=1.47"]
    big = hwsim.simulate(_accel(big_spec), work).layers.iloc[0]
    a, b, c = 155000, 138384, 310000
    assert (small["loop_order"], small["tile_m"], small["tile_n"]) == ("m>n>k", 54, 5)
    assert small["dram_reads_bits"] + small["dram_writes_bits"] == 13 * a + 12 * b + c == 3985608
    assert (big["loop_order"], big["tile_m"], big["tile_n"], big["tile_k"]) == ("n>k>m", 18, 9, 156)
    assert big["dram_reads_bits"] + big["dram_writes_bits"] == 7 * a + b + 2 * 38750 * 32 + c == 4013384
    assert (small["compute_cycles"], big["compute_cycles"]) == (385 * 62 + 5005 * 68, 385 * 62 + 2695 * 68)
    assert small["total_cycles"] == 364210 + 3985608 / 8 and big["total_cycles"] == 207130 + 4013384 / 8
    pj_per_bit, pj_per_cycle = _energy_prices(big_spec)
    assert (4013384 - 3985608) * pj_per_bit < (862411 - 708803) * pj_per_cycle


_SRAM_CASES = {
    "ifmap": ((64, 100, 48), "is", 13, 11, (0.4, 0.8, 1.4), 293376.0),
    "filter": ((64, 100, 48), "ws", 14, 11, (4.5, 0.5, 2.9), 242176.0),
    "ofmap": ((200, 150, 120), "os", 4, 5, (0.9, 0.7, 0.3), 4416000.0),
}


@pytest.mark.parametrize("role", ["ifmap", "filter", "ofmap"])
def test_more_sram_reproducer(role):
    # earlier reproducers of lost tilings (single-buffered, energy objective, one buffer doubled)
    gemm, dataflow, rows, cols, kib, small_bits = _SRAM_CASES[role]
    work = _work(hwsim.Gemm(*gemm))
    spec = ["mapping=auto", "mapping_objective=energy", f"compute.dataflow={dataflow}", f"compute.rows={rows}",
            f"compute.cols={cols}", "buffers.double_buffered=false"]
    sizes = dict(zip(("ifmap", "filter", "ofmap"), kib))
    small = hwsim.simulate(_accel(spec + [f"buffers.{r}.size_kib={v}" for r, v in sizes.items()]), work).layers
    sizes[role] *= 2
    big = hwsim.simulate(_accel(spec + [f"buffers.{r}.size_kib={v}" for r, v in sizes.items()]), work).layers
    assert _dram(small)[0] == small_bits
    assert _dram(big)[0] <= _dram(small)[0], (_dram(small)[0], _dram(big)[0])


@pytest.mark.parametrize("overrides", [["mapping=scalesim"], ["mapping=auto", "mapping_objective=latency"]],
                         ids=lambda o: "-".join(o))
def test_more_banks_or_wider_ports(random_study, random_base, overrides):
    # SCALE-Sim's order: stalls never rise; the mapper (latency objective): total cycles never rise
    # (energy/edp objectives may trade the faster ports' energy for time, so they are left out)
    column = "stall_cycles" if overrides == ["mapping=scalesim"] else "total_cycles"
    work, points = random_study
    base = random_base(overrides)
    for role, width in (("ifmap", 256), ("filter", 256), ("ofmap", 1024)):
        # four times the port, at most the whole buffer (a wider port is refused)
        wider = np.minimum(4 * width, np.floor(points[f"buffers.{role}.size_kib"] * 8192)).astype(np.int64)
        assert (wider >= width).all()
        for key, value in (("banks", 4), ("port_width_bits", wider)):
            more = _per_layer(overrides, work, points.assign(**{f"buffers.{role}.{key}": value}))
            raised = more[column].to_numpy() > base[column].to_numpy()
            assert not raised.any(), (role, key, value, more[raised][["point", "layer"]].to_dict("records")[:5])


def test_more_banks_or_wider_ports_never_lower_sram_area():
    for role in ("ifmap", "filter", "ofmap"):
        for size in (0.5, 8.0, 256.0):
            areas = []
            for banks, width in ((1, 64), (2, 64), (4, 64), (4, 256), (16, 256), (16, 2048)):
                accel = _accel([f"buffers.{role}.size_kib={size}", f"buffers.{role}.banks={banks}",
                                f"buffers.{role}.port_width_bits={width}"])
                areas.append(accel.area_breakdown_mm2[f"sram_{role}"])
            assert all(b >= a * (1 - 1e-12) for a, b in zip(areas, areas[1:])), (role, size, areas)


def test_clock_does_not_change_memory_bound_seconds():
    """GEMV M=1, K=N=4096 on TPU v1 (34 GB/s) is memory-bound: its seconds are the DRAM seconds,
    whatever the clock (GB/s is per second, not per cycle)."""
    work = _work(hwsim.Gemm(1, 4096, 4096))
    seconds = []
    for mhz in (350, 700, 1400, 2800):
        row = hwsim.simulate(_accel([f"clock_mhz={mhz}"], base="tpu-v1-like"), work).layers.iloc[0]
        dram_s = (row["dram_reads_bits"] + row["dram_writes_bits"]) / (34e9 * 8)
        assert row["stall_cycles"] > row["compute_cycles"]   # memory-bound
        assert row["latency_s"] == pytest.approx(dram_s, rel=0.02)
        seconds.append(row["latency_s"])
    assert max(seconds) / min(seconds) < 1.01


# -- 4. LLM decode on TPU v1 ------------------------------------------------------------------------

def test_llm_decode_int4_weights_halve_latency():
    shapes = [(4096, 4096)] * 4 + [(4096, 11008)] * 2 + [(11008, 4096)]
    work = _work(*(hwsim.Gemm(1, k, n) for k, n in shapes), name="llama2-7b-decode")
    accel = _accel(["compute.pe.weights=[int8, int4]"], base="tpu-v1-like")
    int8 = hwsim.simulate(accel, work)
    int4 = hwsim.simulate(accel, work, hwsim.Precision(weights="int4"))
    assert set(int8.layers["weight_format"]) == {"int8"} and set(int4.layers["weight_format"]) == {"int4"}
    for result in (int8, int4):
        t = result.layers
        assert (t["stall_cycles"] > t["compute_cycles"]).all()            # memory-bound
        weights = sum(k * n for k, n in shapes)
        assert result.summary()["dram_bits"] >= weights * (4 if result is int4 else 8)
    ratio = int4.summary()["latency_s"] / int8.summary()["latency_s"]
    print(f"\nLlama-2-7B decode on tpu-v1-like: int4/int8 latency = {ratio:.4f}")
    assert 0.45 <= ratio <= 0.6


# -- 5. evaluate == simulate ------------------------------------------------------------------------

def _eval_points():
    rng = np.random.default_rng(1)
    size = 30
    return pd.DataFrame({
        "compute.rows": rng.integers(2, 65, size), "compute.cols": rng.integers(2, 65, size),
        "compute.dataflow": rng.choice(DATAFLOWS, size),
        "buffers.ifmap.size_kib": np.round(2.0 ** rng.uniform(-2, 7, size), 2),
        "buffers.filter.size_kib": np.round(2.0 ** rng.uniform(-2, 7, size), 2),
        "buffers.ofmap.size_kib": np.round(2.0 ** rng.uniform(-2, 7, size), 2),
        "buffers.ifmap.banks": rng.integers(1, 9, size),
        "buffers.filter.banks": rng.integers(1, 9, size),
        "buffers.ofmap.banks": rng.integers(1, 9, size),
        "dram.bandwidth_gb_s": rng.choice([0.5, 4.0, 32.0, 256.0], size),
        "tech_node_nm": rng.choice([7, 16, 28, 45], size),
        "mapping": rng.choice(["auto", "scalesim"], size),
    })


def _eval_work():
    return _work(hwsim.Gemm(100, 37, 150), hwsim.Conv2d(14, 14, 16, 24, 3, 3, stride=2, padding=1),
                 hwsim.Conv2d(9, 9, 8, 40, 1, 1, stride=2), hwsim.Gemm(1, 512, 300), name="mix")


def _override(key, value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        value = str(value).lower()
    return f"{key}={value}"


def _simulate_point(row, extra=()):
    return hwsim.simulate(_accel([_override(k, v) for k, v in row.items()] + list(extra)), _eval_work())


SUMMARY = ("total_cycles", "compute_cycles", "stall_cycles", "latency_s", "energy_pj", "energy_compute_pj",
           "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj")


def test_evaluate_equals_simulate():
    points = _eval_points()
    table = hwsim.evaluate(BASE, _eval_work(), points)
    assert len(table) == len(points)
    assert set(points["mapping"]) == {"auto", "scalesim"}
    for i, row in points.iterrows():
        result = _simulate_point(row)
        layers = result.layers
        for key in SUMMARY:
            assert table.loc[i, key] == pytest.approx(float(layers[key].sum()), rel=1e-9, abs=1e-9), (i, key)
        assert table.loc[i, "area_mm2"] == pytest.approx(result.area_mm2, rel=1e-9), i


def _assert_frames_equal(evaluated: pd.DataFrame, simulated: pd.DataFrame, where):
    assert list(evaluated["layer"]) == list(simulated["layer"]), where
    for column in simulated.columns:
        got, want = evaluated[column].to_numpy(), simulated[column].to_numpy()
        if pd.api.types.is_numeric_dtype(simulated[column]):
            np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-9, atol=1e-9,
                                       equal_nan=True, err_msg=f"{where}: {column}")
        else:
            assert list(got) == list(want), (where, column)


def test_evaluate_per_layer_equals_simulate():
    """per_layer=True, one evaluate per mapping (the mapping set on the base accelerator)."""
    points = _eval_points()
    for mapping in ("auto", "scalesim"):
        subset = points[points["mapping"] == mapping].drop(columns="mapping").reset_index(drop=True)
        long = hwsim.evaluate(_accel([f"mapping={mapping}"]), _eval_work(), subset, per_layer=True)
        for i, row in subset.iterrows():
            simulated = _simulate_point(row, [f"mapping={mapping}"]).layers
            evaluated = long[long["point"] == i].reset_index(drop=True)
            for key, value in row.items():
                assert (evaluated[key] == value).all()
            _assert_frames_equal(evaluated, simulated, (mapping, i))


def test_evaluate_per_layer_with_mapping_column():
    # a point column the layer table already has is kept as point.<key>
    points = _eval_points()
    long = hwsim.evaluate(BASE, _eval_work(), points, per_layer=True)
    for i, row in points.iterrows():
        evaluated = long[long["point"] == i].reset_index(drop=True)
        _assert_frames_equal(evaluated, _simulate_point(row).layers, i)


@pytest.mark.parametrize("column, value, field", [
    ("compute.rowz", 8, "compute.rowz"),
    ("compute.rows", 0, "compute.rows"),
    ("compute.dataflow", "xs", "compute.dataflow"),
    ("dram.bandwidth_gb_s", -1.0, "dram.bandwidth_gb_s"),
])
def test_evaluate_bad_points(column, value, field):
    points = pd.DataFrame({"compute.cols": [8, 8, 8], column: [value if i == 1 else _good(column) for i in range(3)]})
    with pytest.raises(HwsimInputError) as info:
        hwsim.evaluate(BASE, _eval_work(), points)
    assert info.value.field == field
    assert field in str(info.value)
    if column != "compute.rowz":
        assert "row 1" in str(info.value) and "allowed" in str(info.value)


def _good(column):
    return {"compute.rowz": 8, "compute.rows": 8, "compute.dataflow": "ws", "dram.bandwidth_gb_s": 8.0}[column]
