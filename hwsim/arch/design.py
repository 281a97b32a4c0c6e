"""Design batches: P design points as typed arrays, so the engine evaluates them all at once.

A design batch is built from one base accelerator and a table of points (one column per dotted
spec key, the keys ``--set`` takes). Keys are of three kinds:

* array keys (the shape, buffers, DRAM bandwidth, energy, channels and capacity, dataflow,
  mapping, lanes, overhead)
  are validated column-wise with numpy and stay arrays over P;
* structural keys (PE formats and type, default precision ...) change the hardware models
  themselves: points are grouped by their values (factorised once per distinct value), and each
  group builds one validated Accelerator (its PE and default precision);
* clock, supply and node are arrays too (hwsim/arch/point_tech.py): their limits are checked
  over arrays, and a PE's costs are closed forms in them (its energy, area and leakage at 45 nm,
  0.9 V times the node's factors; its pipeline depth from clock x delay factor), so points that
  differ only in them share one Accelerator per set of pipeline depths, priced at 45 nm, 0.9 V,
  and ``pe_energy_scale`` takes its energies to each point (``design_batch``'s
  ``pe_energy_per_point``).

Every per-design figure (SRAM costs, areas, leakage, bandwidth in bits per cycle) is computed
here, vectorised, for one design as for a million: ``simulate`` is the one-point case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from hwsim.arch.objectives import OBJECTIVE_CODES
from hwsim.arch.point_tech import TECH_KEYS, PointTech, point_tech
from hwsim.arch.spec import BUFFER_ROLES, ROOFLINE_FRACTIONS
from hwsim.errors import HwsimInputError
from hwsim.memory.dram import phy_area_mm2, phy_mw, unnamed_interface_cost
from hwsim.memory.sram import LEAKAGE_NW_PER_BIT_45NM, sram_arrays
from hwsim.pe.datapath import pipeline_stages_over, reference_delay_ns
from hwsim.pe.placement import placement_factor

class AcceleratorLike(Protocol):
    """What a design batch reads of an accelerator (hwsim.arch.accelerator.Accelerator, which
    builds its one-point batch here: the batch names the protocol, not the class, so the two
    modules do not import each other). New group accelerators are built as ``type(base)(spec,
    source)``."""

    spec: Any
    tech: Any
    pe: Any
    pim: Any
    vector_lane: Any
    default_precision: Any


DATAFLOW_CODES = {"os": 0, "ws": 1, "is": 2, "rs": 3}
MAPPING_CODES = {"scalesim": 0, "auto": 1, "bitmod": 2}
CELL_CODES = {"hp": 0, "lop": 1}
COMPRESSION_CODES = {"none": 0, "rlc": 1}

# key -> (attribute, kind, codes); kinds: number (floor, ceiling and integrality from the spec
# field: hwsim.arch.loader.field_range), bandwidth (a number or 'unlimited'), bool, choice (codes)
ARRAY_KEYS: dict[str, tuple[str, str, Any]] = {
    "compute.rows": ("rows", "number", None),
    "compute.cols": ("cols", "number", None),
    "compute.dataflow": ("dataflow", "choice", DATAFLOW_CODES),
    "vector.lanes": ("vector_lanes", "number", None),
    "dram.bandwidth_gb_s": ("dram_gb_s", "bandwidth", None),
    "dram.energy_pj_per_bit": ("dram_pj_per_bit", "number", None),
    # unset (0 channels, NaN GiB): derived per point in _dram_arrays
    "dram.channels": ("dram_channels", "number", None),
    "dram.capacity_gib": ("dram_capacity_gib", "number", None),
    "buffers.double_buffered": ("double_buffered", "bool", None),
    "buffers.keep_activations": ("keep_activations", "bool", None),
    "buffers.shared_ifmap_ofmap": ("shared_ifmap_ofmap", "bool", None),
    "buffers.activation_compression": ("activation_compression", "choice", COMPRESSION_CODES),
    "buffers.sram_cell": ("sram_cell", "choice", CELL_CODES),
    "area_overhead_fraction": ("area_overhead_fraction", "number", None),
    "mapping": ("mapping", "choice", MAPPING_CODES),
    "mapping_objective": ("objective", "choice", OBJECTIVE_CODES),
    "compute.pe.stationary_double_buffered": ("stationary_double_buffered", "bool", None),
    "compute.idle_pe_energy_fraction": ("idle_pe_energy_fraction", "number", None),
    "idle_floor_w": ("idle_floor_w", "number", None),
    "idle_floor_w_per_mm2": ("idle_floor_w_per_mm2", "number", None),
    "compute.achievable_compute_fraction": ("achievable_compute_fraction", "number", None),
    "compute.achievable_bandwidth_fraction": ("achievable_bandwidth_fraction", "number", None),
}
for _role in BUFFER_ROLES:
    ARRAY_KEYS[f"buffers.{_role}.size_kib"] = (f"{_role}_kib", "number", None)
    ARRAY_KEYS[f"buffers.{_role}.banks"] = (f"{_role}_banks", "number", None)
    ARRAY_KEYS[f"buffers.{_role}.port_width_bits"] = (f"{_role}_port_bits", "number", None)


def _spec_value(accel: AcceleratorLike, key: str):
    dram = accel.spec.dram
    if key == "dram.bandwidth_gb_s":  # may be derived from the DRAM standard and channels
        bandwidth = dram.bandwidth
        return "unlimited" if math.isinf(bandwidth) else bandwidth
    if key == "dram.energy_pj_per_bit":  # unset: the standard's figure
        return dram.energy
    if key == "dram.channels":
        return 0 if dram.channels is None else dram.channels
    if key == "dram.capacity_gib":
        return math.nan if dram.capacity_gib is None else dram.capacity_gib
    node: Any = accel.spec
    for part in key.split("."):
        node = getattr(node, part)
    return node


def _encode(kind: str, constraint, value):
    if kind == "choice":
        return constraint[value]
    if kind == "bandwidth":
        return math.inf if value == "unlimited" else float(value)
    return value


@dataclass(frozen=True, eq=False)
class DesignBatch:
    """Arrays over P design points; ``group`` indexes ``accelerators`` (one per structural group)."""

    accelerators: tuple[AcceleratorLike, ...]
    group: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    dataflow: np.ndarray
    mapping: np.ndarray
    objective: np.ndarray
    stationary_double_buffered: np.ndarray
    double_buffered: np.ndarray
    keep_activations: np.ndarray
    shared_ifmap_ofmap: np.ndarray
    activation_compression: np.ndarray   # COMPRESSION_CODES
    achievable_compute_fraction: np.ndarray
    achievable_bandwidth_fraction: np.ndarray
    vector_lanes: np.ndarray
    clock_mhz: np.ndarray
    dram_gb_s: np.ndarray
    dram_pj_per_bit: np.ndarray
    buffer_kib: np.ndarray            # (3, P): ifmap, filter, ofmap
    buffer_banks: np.ndarray          # (3, P)
    buffer_port_bits: np.ndarray      # (3, P)
    sram_pj_per_bit: np.ndarray       # (3, P): per bit read or written (mean of read and write)
    sram_read_pj_per_bit: np.ndarray  # (3, P)
    sram_write_pj_per_bit: np.ndarray  # (3, P)
    idle_pe_energy_fraction: np.ndarray  # (P,): an idle PE-cycle's energy / a busy one's
    sram_bits_per_cycle: np.ndarray   # (3, P): banks x port width
    area_parts_mm2: dict[str, np.ndarray]
    area_mm2: np.ndarray
    leakage_uw: np.ndarray
    # static power by where it is drawn, in uW (leakage_uw is their sum): 'logic' (PEs, converters,
    # vector lanes, SRAMs), 'pim_units', 'dram_device' (the DRAM's background and refresh power) and
    # 'dram_phy' (the accelerator-side DRAM PHYs, hwsim.memory.dram.phy_mw)
    static_parts_uw: dict[str, np.ndarray]
    # (P,): DRAM channels attached (0 without a dram.standard) and the DRAM's capacity in bits
    # (dram.capacity_gib, else channels x the standard's bits per channel; inf: no capacity declared)
    dram_channels: np.ndarray
    dram_capacity_bits: np.ndarray
    # (P,): the point's PE-side energies (every energy of its group's precision table) over the
    # table's: its node and supply's energy factor over the group accelerator's (1 for a point at
    # its group's tech point)
    pe_energy_scale: np.ndarray

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def die_area_mm2(self) -> np.ndarray:
        """(P,): the accelerator die: every area part but the PIM units (those sit in the DRAM dies)."""
        return sum(part for name, part in self.area_parts_mm2.items() if name != "pim_units")

    @property
    def exceeds_reticle(self) -> np.ndarray:
        """(P,) bool: the die is larger than one lithography field (26 mm x 33 mm = 858 mm^2,
        hwsim/tech/limits.py). Such a design is legal and evaluated, but one die cannot hold it."""
        from hwsim.tech.limits import RETICLE_MM2

        return np.asarray(self.die_area_mm2 > RETICLE_MM2, dtype=bool)

    @property
    def working_bits(self) -> np.ndarray:
        """(3, P): bits a tile may use: half of each buffer when double-buffered."""
        return self.buffer_kib * 8192.0 / np.where(self.double_buffered, 2.0, 1.0)

    @property
    def dram_bits_per_cycle(self) -> np.ndarray:
        """Off-chip bits per core cycle (derived: GB/s x 8e9 / clock in Hz); inf if unlimited."""
        return self.dram_gb_s * 8e9 / (self.clock_mhz * 1e6)

    def operand_bits_per_cycle(self) -> np.ndarray | None:
        """(3, P) per-operand channel bits per cycle where every group declares SCALE-Sim's separate
        channels, else None."""
        specs = [a.spec.dram.operand_bandwidth_gb_s for a in self.accelerators]
        if any(s is None for s in specs):
            return None
        per_group = np.array([[math.inf if getattr(s, r) == "unlimited" else float(getattr(s, r))
                               for r in BUFFER_ROLES] for s in specs])  # (G, 3)
        return per_group[self.group].T * 8e9 / (self.clock_mhz * 1e6)


def design_batch(base: AcceleratorLike, points=None, accelerators_cache: dict | None = None, *,
                 pe_energy_per_point: bool = False) -> DesignBatch:
    """A batch from ``base`` and an optional table of points (pandas DataFrame or dict of columns).
    ``accelerators_cache`` keeps each structural group's AcceleratorLike across calls (the chunks of
    one evaluation), so a group is built and validated once, whatever the chunking.

    ``pe_energy_per_point``: the caller multiplies every point's PE-side energies (the compute
    energy: per MAC, group, table, conversion, vector op, idle PE) by ``pe_energy_scale``. Then
    points that differ only in clock, node or supply share one accelerator per set of pipeline
    depths, priced at 45 nm, 0.9 V; without it every distinct (clock, node, supply) builds its own
    and ``pe_energy_scale`` is 1."""
    columns, size = _point_columns(points)
    for key in columns:
        _check_key(key)
    arrays = _array_keys(base, columns)
    structural = [k for k in columns if k not in arrays]
    grouping = _groups(base, columns, structural, size, accelerators_cache, pe_energy_per_point)
    group, accelerators = grouping.group, grouping.accelerators
    values = {}
    for key, (attr, kind, constraint) in ARRAY_KEYS.items():
        if key in columns and key in arrays:
            values[attr] = _validated(key, kind, constraint, columns[key])
        else:
            per_group = np.array([_encode(kind, constraint, _spec_value(a, key)) for a in accelerators])
            values[attr] = per_group[group]
    if "dram.channels" in columns and "dram.channels" in arrays and "dram.bandwidth_gb_s" not in columns:
        # a spec without bandwidth_gb_s derives it from its channels: so does each point
        d = _DramGroups(accelerators, group)
        derive = d.derived_bandwidth & d.standard & (values["dram_channels"] > 0)
        values["dram_gb_s"] = np.where(derive, values["dram_channels"] * d.peak, values["dram_gb_s"])
    _check_across_keys({k: c for k, c in columns.items() if k in arrays}, accelerators, group, values)
    return _assemble(accelerators, group, values, grouping.tech)


def _array_keys(base: AcceleratorLike, columns: dict) -> frozenset:
    """The array keys of this table. dram.channels is structural where PIM units may be present: a
    PIM device is built for its channel count (hwsim/arch/pim.py)."""
    pim = base.spec.pim is not None or any(k == "compute.kind" or k.startswith("pim.") for k in columns)
    return frozenset(ARRAY_KEYS) - ({"dram.channels"} if pim else set())


_TABLE = "a pandas DataFrame, or a dict of equal-length columns, e.g. {'compute.rows': [32, 64]}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _point_columns(points) -> tuple[dict[str, np.ndarray], int]:
    """The points table as {key: column} and its row count; any other shape is one input error."""
    if points is None:
        return {}, 1
    import pandas as pd

    if isinstance(points, pd.DataFrame):
        if len(points) == 0:
            raise HwsimInputError("no design points (the table has no rows)", source="points",
                                  allowed="at least one row")
        if points.columns.duplicated().any():
            raise HwsimInputError(f"column '{points.columns[points.columns.duplicated()][0]}' appears twice",
                                  source="points", allowed="one column per spec key")
        raw = {key: points[key].to_numpy() for key in points.columns}
        size = len(points)
    elif isinstance(points, dict):
        raw = dict(points)
        size = None
    else:
        raise HwsimInputError(f"{_a(type(points).__name__)} is not a table of design points", source="points",
                              allowed=_TABLE)
    columns: dict[str, np.ndarray] = {}
    for key, values in raw.items():
        if not isinstance(key, str):
            raise HwsimInputError(f"column {key!r} is not a dotted spec key", source="points",
                                  allowed="dotted spec keys as --set takes them, e.g. compute.rows")
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__") or \
                (isinstance(values, np.ndarray) and values.ndim == 0):  # (np.ndim fails on ragged lists)
            raise HwsimInputError(f"column '{key}' is one value ({values!r}), not a column of values per point",
                                  source="points", field=key, allowed=_TABLE)
        columns[key] = _column(values, key)
    lengths = {key: len(v) for key, v in columns.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise HwsimInputError(f"point columns differ in length ({shown})", source="points",
                              allowed="one value per point in every column")
    if size is None:
        size = next(iter(lengths.values()), 0)
        if size == 0:
            raise HwsimInputError("no design points", source="points", allowed=_TABLE)
    return columns, size


def _column(values, key: str) -> np.ndarray:
    """Numeric and bool columns keep a numeric dtype (validated without a Python loop); anything
    else (text, lists such as compute.pe.weights, mixed cells) is an object column, one cell per point."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise HwsimInputError(f"column '{key}' has {values.ndim} dimensions", source="points", field=key,
                                  allowed="one value per point")
        if values.dtype.kind in "iufb":
            return values
        if values.dtype == object:
            # a table's object column, classified in C (pandas' inferrer) rather than by a Python loop
            # over every cell: all text stays one cell per point, all booleans or all numbers (never
            # mixed with booleans) become a numeric column; anything else takes the loop below
            from pandas.api.types import infer_dtype

            kind = infer_dtype(values, skipna=False)
            if kind == "string":
                return values.copy()
            if kind == "boolean":
                return values.astype(bool)
            if kind in ("floating", "mixed-integer-float"):
                return values.astype(np.float64)
    items = list(values)
    if items and all(isinstance(v, (bool, np.bool_)) for v in items):
        return np.array(items, dtype=bool)
    if items and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                     for v in items):
        array = np.array(items)
        if array.dtype.kind in "iuf":
            return array
    array = np.empty(len(items), dtype=object)
    for i, value in enumerate(items):
        array[i] = value
    return array


def point_tables(points):
    """The tables ``hwsim.evaluate`` / ``evaluate_chunks`` take, one DataFrame at a time: None (the
    base design), one DataFrame, a dict of equal-length columns, or an iterable of DataFrames
    (chunks made elsewhere). Anything else (a dict of scalars, a list of rows, a Series, a number,
    text, an array, ragged or empty tables) is one HwsimInputError; each table is checked before it
    is yielded, so before any of it is evaluated."""
    import pandas as pd

    if points is None or isinstance(points, (pd.DataFrame, dict)):
        yield points_frame(points)
        return
    if isinstance(points, (str, bytes, pd.Series, np.ndarray)) or not hasattr(points, "__iter__"):
        raise HwsimInputError(f"{_a(type(points).__name__)} is not a table of design points", source="points",
                              allowed=_TABLE + ", or an iterable of DataFrames")
    count = 0
    for part in points:
        if not isinstance(part, pd.DataFrame):
            raise HwsimInputError(f"item {count} is {_a(type(part).__name__)}, not a DataFrame", source="points",
                                  allowed=_TABLE + ", or an iterable of DataFrames")
        count += 1
        yield points_frame(part)
    if count == 0:
        raise HwsimInputError("no design points (the iterable holds no tables)", source="points",
                              allowed="at least one row")


def points_frame(points):
    """``points`` as one pandas DataFrame (the table ``hwsim.evaluate`` reports beside its results),
    or one HwsimInputError for any other shape (a dict of scalars, a list, a Series, ragged
    columns, an empty table)."""
    import pandas as pd

    if points is None:
        return points
    if isinstance(points, pd.DataFrame):
        # the table's shape only: its cells are checked chunk by chunk (design_batch), so a table of
        # 10^7 points is never copied whole
        _point_columns(points.iloc[:1])   # empty, duplicated or non-text columns: one error
        return points
    columns, _ = _point_columns(points)
    return pd.DataFrame({key: list(values) for key, values in columns.items()})


def _check_key(key: str) -> None:
    from hwsim.arch.loader import spec_key_exists

    if not spec_key_exists(key):
        raise HwsimInputError(f"no spec field '{key}'", source="points", field=key,
                              allowed="dotted spec keys as --set takes them, e.g. compute.rows, buffers.ifmap.size_kib")


@dataclass(frozen=True, eq=False)
class _Grouping:
    group: np.ndarray                      # (P,) index into accelerators
    accelerators: tuple[AcceleratorLike, ...]
    tech: PointTech                        # every point's own clock, node, supply and factors


def _groups(base: AcceleratorLike, columns: dict, structural: list[str], size: int, cache: dict | None = None,
            pe_energy_per_point: bool = False) -> _Grouping:
    """The points' accelerators. The structural keys other than clock, node and supply group the
    points (factorised once per distinct value, never per row); each group is one validated design.
    Clock, node and supply are arrays (hwsim/arch/point_tech.py). With ``pe_energy_per_point``, a
    design whose costs scale with the tech model is priced once per set of pipeline depths, at
    45 nm, 0.9 V (Accelerator.at_reference), and every point scales it by its own factors;
    otherwise (or with published PE figures, or PIM units) one accelerator per distinct
    (clock, node, supply), as a spec of those values would build."""
    tech_keys = [k for k in structural if k in TECH_KEYS]
    other = [k for k in structural if k not in TECH_KEYS]
    outer, firsts = _factorised(columns, other, size)
    designs = [_design(base, columns, other, row, cache) for row in firsts]
    if not tech_keys:
        return _Grouping(outer, tuple(designs), _designs_tech(designs, outer))
    spec = base.spec
    tech, bad_row = point_tech(spec.clock_mhz, spec.tech_node_nm, spec.supply_voltage_v, columns, size)
    if bad_row is not None:
        _refuse_row(base, columns, structural, bad_row)
    group = np.empty(size, dtype=np.int64)
    accelerators: list[AcceleratorLike] = []
    order = np.argsort(outer, kind="stable") if len(designs) > 1 else np.arange(size)
    bounds = np.searchsorted(outer[order], np.arange(len(designs) + 1))
    for g, design in enumerate(designs):
        rows = order[bounds[g]:bounds[g + 1]]
        if pe_energy_per_point and design.scales_with_tech:
            local, built = _reference_classes(design, tech, rows, _cache_key(base, columns, other, rows[0]), cache)
        else:
            local, built = _exact_classes(base, columns, structural, tech, rows, cache)
        group[rows] = local + len(accelerators)
        accelerators.extend(built)
    return _Grouping(group, tuple(accelerators), tech)


def _factorised(columns: dict, keys: list[str], size: int) -> tuple[np.ndarray, list[int]]:
    """(group of every row, first row of every group) over ``keys``: equal cells, one group."""
    if not keys:
        return np.zeros(size, dtype=np.int64), [0]
    codes = np.stack([_codes(columns[k]) for k in keys], axis=1)
    group = codes[:, 0] if len(keys) == 1 else np.unique(codes, axis=0, return_inverse=True)[1].reshape(-1)
    group = group.astype(np.int64)
    return group, np.unique(group, return_index=True)[1].tolist()


def _codes(column: np.ndarray) -> np.ndarray:
    """One integer per distinct cell of a column: numbers with numpy; text and mixed cells with
    pandas' hash table; a column of lists of text (formats) as tuples in the same table; other
    unhashable cells (lists of dicts) once per distinct object, then per distinct value."""
    import pandas as pd

    if column.dtype.kind in "iufb":   # a hash table: O(n), where sorting 10^5 cells costs 0.1 s
        return pd.factorize(column, use_na_sentinel=False)[0]
    try:
        return pd.factorize(column, use_na_sentinel=False)[0]
    except TypeError:
        pass
    if set(map(type, column)) <= {list, tuple}:
        try:
            return pd.factorize(np.fromiter(map(tuple, column), dtype=object, count=len(column)))[0]
        except TypeError:
            pass
    objects = pd.factorize(np.fromiter(map(id, column), dtype=np.int64, count=len(column)))[0]
    firsts = np.unique(objects, return_index=True)[1]
    values = np.fromiter((_hashable(column[i]) for i in firsts), dtype=object, count=len(firsts))
    return pd.factorize(values, use_na_sentinel=False)[0][objects]


def _cache_key(base: AcceleratorLike, columns: dict, keys: list[str], row: int) -> tuple:
    return tuple((k, _hashable(v)) for k, v in _row_overrides(base, columns, keys, row).items())


def _design(base: AcceleratorLike, columns: dict, keys: list[str], row: int, cache: dict | None) -> AcceleratorLike:
    """The validated accelerator of ``row``'s values of ``keys`` (the base when there are none)."""
    if not keys:
        return base
    overrides = _row_overrides(base, columns, keys, row)
    key = tuple((k, _hashable(v)) for k, v in overrides.items())
    if cache is not None and key in cache:
        return cache[key]
    from hwsim.arch.loader import spec_from_overrides

    try:
        spec = spec_from_overrides(base.spec, overrides, f"points row {row}")
        accelerator = type(base)(spec, f"points row {row}")   # an AcceleratorLike, as the base is
    except HwsimInputError as exc:
        raise exc.with_source(f"points row {row}") from None
    if cache is not None:
        cache[key] = accelerator
    return accelerator


def _refuse_row(base: AcceleratorLike, columns: dict, structural: list[str], row: int) -> None:
    """Raise the error a spec of ``row``'s values gives (the same line as for one design)."""
    _design(base, columns, structural, row, None)
    # the spec took the row (pydantic reads a Decimal or a numeric string as a float): the arrays
    # read only plain numbers, so name the cell that is not one
    from hwsim.arch.point_tech import TECH_KEYS, is_plain_number

    for key in TECH_KEYS:
        if key in columns:
            value = columns[key][row]
            if not is_plain_number(value):
                raise HwsimInputError(f"points row {row}: {_plain(value)!r} is not a number ({type(value).__name__})",
                                      source="points", field=key, allowed="an int or a float")
    raise AssertionError(f"points row {row}: clock, node or supply refused over arrays but not by the spec")


def _reference_classes(design: AcceleratorLike, tech: PointTech, rows: np.ndarray, key: tuple, cache: dict | None):
    """The rows of one design as classes of equal pipeline depths (hwsim.pe.datapath.stages_at on
    each path the PE's clock sets), each priced once at 45 nm, 0.9 V."""
    paths = np.array([reference_delay_ns(d) for d in design.pe.pipelined_paths_fo4()])
    clocks = tech.reference_clock_mhz[rows]
    stages = pipeline_stages_over(paths[None, :], clocks[:, None])  # (rows, paths)
    if stages.shape[1] == 1:  # one path (a one-format PE): a plain sort
        depths, first, local = np.unique(stages[:, 0], return_index=True, return_inverse=True)
        depths = depths[:, None]
    else:
        depths, first, local = np.unique(stages, axis=0, return_index=True, return_inverse=True)
    built = []
    for c, depth in enumerate(depths):
        at = ("reference", key, tuple(depth.tolist()))
        if cache is not None and at in cache:
            built.append(cache[at])
            continue
        row = int(rows[first[c]])
        built.append(design.at_reference(float(clocks[first[c]]), f"points row {row}"))
        if cache is not None:
            cache[at] = built[-1]
    return local.reshape(-1).astype(np.int64), built


def _exact_classes(base: AcceleratorLike, columns: dict, structural: list[str], tech: PointTech, rows: np.ndarray,
                   cache: dict | None):
    """The rows of one design as classes of equal (clock, node, supply), each its own spec."""
    values = np.stack([tech.clock_mhz[rows], tech.node_nm[rows], tech.vdd_v[rows]], axis=1)
    _, first, local = np.unique(values, axis=0, return_index=True, return_inverse=True)
    built = [_design(base, columns, structural, int(rows[i]), cache) for i in first]
    return local.reshape(-1).astype(np.int64), built


def _designs_tech(designs: list[AcceleratorLike], group: np.ndarray) -> PointTech:
    """Every point's technology when no point sets its own: its design's."""
    rows = np.array([(a.spec.clock_mhz, a.tech.node_nm, a.tech.vdd_v, a.tech.energy_factor, a.tech.area_factor,
                      a.tech.delay_factor) for a in designs], dtype=np.float64)[group].T
    return PointTech(*rows)


def _hashable(value):
    """A point cell as a grouping key: lists and dicts (e.g. compute.pe.conversions) become tuples."""
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_hashable(v) for v in value)
    if _missing(value):
        return None
    try:
        hash(value)
    except TypeError:   # a cell no spec key takes (a set, say): a group of its own, for the spec check to refuse
        return (type(value).__name__, id(value))
    return value


def _plain(value):
    """numpy scalars and arrays as the plain Python values pydantic validates."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _validated(key: str, kind: str, codes, column: np.ndarray) -> np.ndarray:
    """One array key's column, checked against the same limits the spec field declares (a
    points value is refused exactly when ``--set key=value`` is)."""
    def fail(i: int, allowed: str):
        raise HwsimInputError(f"points row {i}: {_plain(column[i])!r} is not allowed", source="points", field=key,
                              allowed=allowed)

    if kind == "choice":
        import pandas as pd

        # each distinct cell checked once (a hash table over the column, not a Python loop per row);
        # cells a hash table cannot hold (lists, dicts) are not text: the first is refused
        try:
            index, distinct = pd.factorize(column, use_na_sentinel=False)
        except TypeError:
            fail(next(i for i, v in enumerate(column) if not isinstance(v, str)), ", ".join(codes))
        mapped = np.empty(len(distinct), dtype=np.int64)
        for d, value in enumerate(distinct):
            if not isinstance(value, str) or value not in codes:
                fail(int(np.flatnonzero(index == d)[0]), ", ".join(codes))
            mapped[d] = codes[value]
        return mapped[index]
    if kind == "bool":
        if column.dtype.kind == "b":
            return column.astype(bool)
        ok = np.array([isinstance(v, (bool, np.bool_)) for v in column], dtype=bool)
        if not ok.all():
            fail(int(np.flatnonzero(~ok)[0]), "true, false")
        return column.astype(bool)
    if kind == "bandwidth":
        from hwsim.arch.spec import BANDWIDTH_RANGE as limit
    else:
        from hwsim.arch.loader import field_range

        limit = field_range(key)
    if column.dtype.kind in "iuf":
        unlimited = np.zeros(len(column), dtype=bool)
        numeric = np.ones(len(column), dtype=bool)
    else:
        unlimited = np.array([kind == "bandwidth" and isinstance(v, str) and v == "unlimited" for v in column],
                             dtype=bool)
        numeric = np.array([isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                            for v in column], dtype=bool)
    allowed = limit.text() + (" or 'unlimited'" if kind == "bandwidth" else "")
    bad = ~(numeric | unlimited)
    if bad.any():
        fail(int(np.flatnonzero(bad)[0]), allowed)
    with np.errstate(invalid="ignore"):
        out = np.where(unlimited, np.inf, np.where(numeric, column, 0)).astype(np.float64)
        ok = unlimited | (np.isfinite(out) & limit.ok(out))
        if limit.integer:
            ok &= unlimited | (out == np.floor(out))
    if not ok.all():
        fail(int(np.flatnonzero(~ok)[0]), allowed)
    return out.astype(np.int64) if limit.integer else out


def _missing(value) -> bool:
    """An empty table cell: None, NaN, pandas' NA."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"


# the DRAM keys whose valid values depend on the standard (dram.standard's limits)
DRAM_SIZING_KEYS = ("dram.channels", "dram.bandwidth_gb_s", "dram.capacity_gib")


def _row_overrides(base: AcceleratorLike, columns: dict, structural: list[str], row: int) -> dict:
    """One row's structural values. An empty cell is allowed only for a compute.pe key that the
    row's PE type does not have (a table sweeping PE types leaves the other types' keys empty);
    anywhere else it is refused, never defaulted."""
    from hwsim.pe import PE_TYPES

    pe_type = _plain(columns["compute.pe.type"][row]) if "compute.pe.type" in columns else base.spec.compute.pe.type
    section = PE_TYPES.get(pe_type) if isinstance(pe_type, str) else None
    out = {}
    for key in structural:
        value = _plain(columns[key][row])
        if _missing(value):
            parts = key.split(".")
            if section is not None and parts[:2] == ["compute", "pe"] and len(parts) == 3 \
                    and parts[2] not in section.model_fields:
                continue
            raise HwsimInputError(f"points row {row}: no value", source="points", field=key,
                                  allowed="a value in every row (an empty cell only for a compute.pe key the "
                                          "row's PE type does not have)")
        out[key] = value
    if "dram.standard" in out:
        # the row's own DRAM sizing goes with a new standard, so the group's spec is validated with
        # it rather than with the base's (16 HBM channels are not a valid DDR4 system)
        for key in DRAM_SIZING_KEYS:
            if key in columns and key not in out and not _missing(_plain(columns[key][row])):
                out[key] = _plain(columns[key][row])
    return out


def _check_across_keys(columns: dict, accelerators: tuple[AcceleratorLike, ...], group: np.ndarray, v: dict) -> None:
    """Limits that tie array keys together, row by row, as the spec's validators tie the fields
    (hwsim/arch/spec.py: BufferSpec._physical, DramSpec._bandwidth_known)."""
    from hwsim.arch.spec import buffer_fits, port_fits

    for role in BUFFER_ROLES:
        keys = [f"buffers.{role}.{k}" for k in ("size_kib", "banks", "port_width_bits")]
        if not any(k in columns for k in keys):
            continue
        kib, banks = v[f"{role}_kib"], v[f"{role}_banks"]
        wide = ~port_fits(kib, v[f"{role}_port_bits"])
        if wide.any():
            i = int(np.flatnonzero(wide)[0])
            raise HwsimInputError(f"points row {i}: a {v[f'{role}_port_bits'][i]:g}-bit port is wider than the "
                                  f"buffer's {kib[i] * 8192:g} bits", source="points",
                                  field=f"buffers.{role}.port_width_bits", allowed="at most size_kib x 8192")
        bad = ~buffer_fits(kib, banks)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise HwsimInputError(f"points row {i}: {banks[i]} banks are more than the buffer's {kib[i] * 8192:g} "
                                  "bits", source="points", field=f"buffers.{role}.banks",
                                  allowed="at most size_kib x 8192 (every bank holds at least one bit)")
    if {"dram.bandwidth_gb_s", "dram.channels"} & set(columns):
        _check_dram(columns, accelerators, group, v)
    fractions = [name for name in ROOFLINE_FRACTIONS if f"compute.{name}" in columns]
    if fractions:
        _check_roofline_fractions(fractions, accelerators, group, v)
    if "mapping" in columns:
        # as AcceleratorSpec._operand_channels_in_scalesim_order: USER mode's channels time SCALE-Sim's order only
        channels = np.array([a.spec.dram.operand_bandwidth_gb_s is not None for a in accelerators], dtype=bool)[group]
        bad = channels & (v["mapping"] != MAPPING_CODES["scalesim"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise HwsimInputError(f"points row {i}: dram.operand_bandwidth_gb_s is read by mapping scalesim only",
                                  source="points", field="mapping",
                                  allowed="scalesim on a design with operand channels (SCALE-Sim's USER mode)")
    if {"compute.dataflow", "mapping"} & set(columns):
        # as AcceleratorSpec._row_stationary_mapped: SCALE-Sim and BitMoD have no row-stationary dataflow
        bad = (v["dataflow"] == DATAFLOW_CODES["rs"]) & (v["mapping"] != MAPPING_CODES["auto"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise HwsimInputError(f"points row {i}: compute.dataflow rs runs with mapping auto only",
                                  source="points", field="compute.dataflow" if "compute.dataflow" in columns
                                  else "mapping", allowed="mapping auto with dataflow rs, or dataflow os | ws | is")


def _check_roofline_fractions(names: list[str], accelerators: tuple[AcceleratorLike, ...], group: np.ndarray,
                              v: dict) -> None:
    """As AcceleratorSpec._fractions_on_a_roofline, row by row: on a systolic array, or a PIM design
    with a systolic host, the fraction would be ignored."""
    from hwsim.arch.spec import ROOFLINE_FRACTIONS_WHERE, reads_roofline_fractions

    roofline = np.array([reads_roofline_fractions(a.spec) for a in accelerators], dtype=bool)[group]
    for name in names:
        bad = (v[name] != 1.0) & ~roofline
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise HwsimInputError(f"points row {i}: {name} applies to a roofline only", source="points",
                                  field=f"compute.{name}", allowed=ROOFLINE_FRACTIONS_WHERE)


def _fail_dram(i: int, field: str, message: str, allowed: str):
    raise HwsimInputError(f"points row {i}: {message}", source="points", field=field, allowed=allowed)


def _check_dram(columns: dict, accelerators: tuple[AcceleratorLike, ...], group: np.ndarray, v: dict) -> None:
    """dram.channels and dram.bandwidth_gb_s per point, as DramSpec._bandwidth_known checks one spec."""
    from hwsim.memory.dram import MAX_BANDWIDTH_GB_S

    d = _DramGroups(accelerators, group)
    channels, bandwidth = v["dram_channels"], v["dram_gb_s"]
    if "dram.channels" in columns:
        bad = (channels > 0) & ~d.standard
        if bad.any():
            _fail_dram(int(np.flatnonzero(bad)[0]), "dram.channels", "channels counts a DRAM standard's channels, "
                       "and no dram.standard is named", "dram.standard with dram.channels, or dram.bandwidth_gb_s alone")
        bad = channels > d.max_channels
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail_dram(i, "dram.channels", f"{channels[i]} {d.name[i]} channels are more than one accelerator "
                       "attaches", f"1..{d.max_channels[i]:g} (the most shipped parts attach, hwsim/memory/dram.py)")
    bad = ~np.isfinite(bandwidth) & d.standard   # 'unlimited' against a standard's peak
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail_dram(i, "dram.bandwidth_gb_s", f"unlimited bandwidth from {d.name[i]} channels",
                   "a number up to the standard's peak over its channels, or 'unlimited' without a dram.standard")
    attached = d.channels(channels, bandwidth)
    finite = np.isfinite(bandwidth) & d.standard
    bad = finite & (channels == 0) & (attached > d.max_channels)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail_dram(i, "dram.bandwidth_gb_s", f"{bandwidth[i]:g} GB/s is more than the DRAM delivers",
                   f"up to {d.max_channels[i] * d.peak[i]:g} GB/s ({d.max_channels[i]:g} {d.name[i]} channels, the most "
                   "shipped parts attach; hwsim/memory/dram.py)")
    ceiling = np.where(d.standard, attached * d.peak, MAX_BANDWIDTH_GB_S)
    bad = np.isfinite(bandwidth) & (bandwidth > ceiling * (1 + 1e-12))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail_dram(i, "dram.bandwidth_gb_s", f"{bandwidth[i]:g} GB/s is more than the DRAM delivers",
                   f"up to {ceiling[i]:g} GB/s (the standard's peak over its channels, or 8 HBM4 stacks without a "
                   "standard; hwsim/memory/dram.py)")


class _DramGroups:
    """Each point's DRAM standard as arrays (gathered from its group's spec): named or not, its name,
    per-channel peak, own channel count, most channels, and whether the spec derives its bandwidth."""

    def __init__(self, accelerators: tuple[AcceleratorLike, ...], group: np.ndarray):
        timings = [a.spec.dram.timing for a in accelerators]
        self.timings = timings
        self.standard = np.array([t is not None for t in timings], dtype=bool)[group]
        self.name = np.array([t.name if t else "" for t in timings], dtype=object)[group]
        self.peak = np.array([t.peak_channel_gb_s if t else np.nan for t in timings])[group]
        self.own = np.array([t.channels if t else 0 for t in timings], dtype=np.float64)[group]
        self.max_channels = np.array([t.max_channels if t and t.max_channels else np.inf for t in timings])[group]
        self.derived_bandwidth = np.array([a.spec.dram.bandwidth_gb_s is None for a in accelerators])[group]

    def channels(self, channels: np.ndarray, bandwidth: np.ndarray) -> np.ndarray:
        """(P,) channels attached (0 without a standard): dram.channels where set; else the fewest that
        deliver a finite bandwidth (DramSpec.channel_count); else the standard's own count."""
        with np.errstate(invalid="ignore", divide="ignore"):
            fewest = np.maximum(1.0, np.ceil(np.round(bandwidth / self.peak, 9)))
        derived = np.where(np.isfinite(bandwidth), fewest, self.own)
        return np.where(self.standard, np.where(channels > 0, channels, derived), 0.0)


def _assemble(accelerators: tuple[AcceleratorLike, ...], group: np.ndarray, v: dict, tech: PointTech) -> DesignBatch:
    energy_f, area_f, leak_f = tech.energy_factor, tech.area_factor, tech.leakage_factor
    # A group's PE, lanes and converters are priced at its accelerator's tech point; the point's
    # own is that times the ratio of the factors (1 where they are the same point; derived: every
    # such cost is linear in the factors, hwsim/tech/costs.py, Accelerator.scales_with_tech).
    def ratio(factor: np.ndarray, of_group) -> np.ndarray:
        return factor / np.array([of_group(a.tech) for a in accelerators], dtype=np.float64)[group]

    energy_scale = ratio(energy_f, lambda t: t.energy_factor)
    area_scale = ratio(area_f, lambda t: t.area_factor)
    leak_scale = ratio(leak_f, lambda t: t.leakage_factor)
    clock = tech.clock_mhz
    cell_leakage = np.where(v["sram_cell"] == CELL_CODES["hp"], LEAKAGE_NW_PER_BIT_45NM["hp"],
                            LEAKAGE_NW_PER_BIT_45NM["lop"])
    kib = np.stack([v[f"{r}_kib"].astype(np.float64) for r in BUFFER_ROLES])
    banks = np.stack([v[f"{r}_banks"].astype(np.int64) for r in BUFFER_ROLES])
    ports = np.stack([v[f"{r}_port_bits"].astype(np.int64) for r in BUFFER_ROLES])
    def published(field):
        per_group = np.array([[np.nan if (x := getattr(getattr(a.spec.buffers, r), field)) is None else float(x)
                               for r in BUFFER_ROLES] for a in accelerators])  # (G, 3)
        return per_group[group].T
    sram = sram_arrays(kib, banks, ports, energy_f, area_f, leak_f, None, published("read_pj_per_access"),
                       published("write_pj_per_access"), published("write_access_bits"),
                       cell_leakage_nw_per_bit=cell_leakage)
    read_pj = np.broadcast_to(np.asarray(sram.access_pj_per_bit, dtype=np.float64), kib.shape)
    write_pj = np.broadcast_to(np.asarray(sram.write_pj_per_bit, dtype=np.float64), kib.shape)
    rows, cols = v["rows"].astype(np.int64), v["cols"].astype(np.int64)
    pes = (rows * cols).astype(np.float64)
    pe_area = np.array([a.pe.area_um2(a.tech).value for a in accelerators])[group] * area_scale
    pe_leak = np.array([a.pe.leakage_uw(a.tech).value for a in accelerators])[group] * leak_scale
    lane_area = np.array([a.vector_lane.area_um2(a.tech).value for a in accelerators])[group] * area_scale
    lane_leak = np.array([a.vector_lane.leakage_uw(a.tech).value for a in accelerators])[group] * leak_scale
    # One converter per array edge lane the operand enters on: weights along the columns,
    # activations along the rows (derived: a systolic array feeds operands from two edges).
    # Converters are logic in the array: placed like the PEs (cells x the place-and-route factor,
    # hwsim/pe/placement.py); PE and lane areas above are placed already (DatapathFacts.area_um2).
    conv = np.array([[sum(c.cost(a.tech).area_um2 for c in getattr(a.pe, "conversions", ()) if c.operand == op)
                      * placement_factor(a.tech.node_nm)
                      for op in ("weights", "activations")] for a in accelerators])[group] * area_scale[:, None]  # (P, 2)
    conv_leak = np.array([[sum(c.cost(a.tech).leakage_uw for c in getattr(a.pe, "conversions", ()) if c.operand == op)
                           for op in ("weights", "activations")] for a in accelerators])[group] * leak_scale[:, None]
    lanes = v["vector_lanes"].astype(np.float64)
    parts = {
        "pe_array": pes * pe_area / 1e6,
        "converters": (cols * conv[:, 0] + rows * conv[:, 1]) / 1e6,
        "vector_unit": lanes * lane_area / 1e6,
    }
    for i, role in enumerate(BUFFER_ROLES):
        parts[f"sram_{role}"] = sram.area_um2[i] / 1e6
    pim_area = np.array([a.pim.area_mm2() if a.pim else 0.0 for a in accelerators])[group]
    if pim_area.any():
        parts["pim_units"] = pim_area  # in the DRAM dies: not in the overhead's base
    dram = _dram_costs(accelerators, group, v)
    if dram["phy_area_mm2"].any():
        parts["dram_phy"] = dram["phy_area_mm2"]  # on the die; priced itself, so not in the overhead's base
    parts["overhead"] = v["area_overhead_fraction"] * sum(p for k, p in parts.items()
                                                          if k not in ("pim_units", "dram_phy"))
    static = {
        "logic": (pes * pe_leak + cols * conv_leak[:, 0] + rows * conv_leak[:, 1] + lanes * lane_leak
                  + sram.leakage_uw.sum(axis=0)),
        "pim_units": np.array([a.pim.leakage_uw() if a.pim else 0.0 for a in accelerators])[group],
        # DRAM background and refresh power, where the DRAM standard gives currents
        "dram_device": dram["device_static_uw"],
        "dram_phy": dram["phy_uw"],
        # clock tree, control, host I/O: measured idle power hwsim does not otherwise model (W -> uW)
        "idle_floor": (v["idle_floor_w"] + v["idle_floor_w_per_mm2"] * sum(parts.values())) * 1e6,
    }
    leakage = sum(static.values())
    return DesignBatch(
        accelerators=accelerators, group=group, rows=rows, cols=cols,
        dataflow=v["dataflow"].astype(np.int64), mapping=v["mapping"].astype(np.int64),
        objective=v["objective"].astype(np.int64),
        stationary_double_buffered=v["stationary_double_buffered"].astype(bool),
        double_buffered=v["double_buffered"].astype(bool), keep_activations=v["keep_activations"].astype(bool),
        shared_ifmap_ofmap=v["shared_ifmap_ofmap"].astype(bool),
        activation_compression=v["activation_compression"].astype(np.int64),
        achievable_compute_fraction=v["achievable_compute_fraction"].astype(np.float64),
        achievable_bandwidth_fraction=v["achievable_bandwidth_fraction"].astype(np.float64),
        vector_lanes=v["vector_lanes"].astype(np.int64),
        clock_mhz=clock, dram_gb_s=v["dram_gb_s"].astype(np.float64),
        dram_pj_per_bit=v["dram_pj_per_bit"].astype(np.float64),
        buffer_kib=kib, buffer_banks=banks, buffer_port_bits=ports,
        sram_pj_per_bit=(read_pj + write_pj) / 2, sram_read_pj_per_bit=read_pj, sram_write_pj_per_bit=write_pj,
        idle_pe_energy_fraction=v["idle_pe_energy_fraction"].astype(np.float64),
        sram_bits_per_cycle=np.asarray(sram.bits_per_cycle, dtype=np.float64),
        area_parts_mm2=parts, area_mm2=sum(parts.values()), leakage_uw=leakage, pe_energy_scale=energy_scale,
        static_parts_uw=static, dram_channels=dram["channels"], dram_capacity_bits=dram["capacity_bits"],
    )


def _dram_costs(accelerators: tuple[AcceleratorLike, ...], group: np.ndarray, v: dict) -> dict[str, np.ndarray]:
    """Per point: channels attached, capacity, the accelerator-side PHYs' area and power, and the
    DRAM devices' background power (hwsim/memory/dram.py has each formula and its sources)."""
    d = _DramGroups(accelerators, group)
    channels = d.channels(v["dram_channels"], v["dram_gb_s"])

    def per_group(of_timing) -> np.ndarray:
        return np.array([of_timing(t) if t else 0.0 for t in d.timings], dtype=np.float64)[group]

    mm2_per_channel = per_group(lambda t: float(phy_area_mm2(t, 1)))
    phy_pj_per_bit = per_group(lambda t: t.cost.phy_pj_per_bit)
    # the rate the PHYs are clocked at: the bandwidth asked for, or the channels' peak when 'unlimited'
    provisioned_gb_s = np.where(np.isfinite(v["dram_gb_s"]), v["dram_gb_s"], channels * np.nan_to_num(d.peak))
    gib = v["dram_capacity_gib"].astype(np.float64)
    derived_bits = np.where(d.standard, channels * per_group(lambda t: float(t.capacity_bits_per_channel)), np.inf)
    # no standard named: a finite bandwidth still buys PHYs, at the least any standard charges per GB/s
    unnamed_mm2_per_gb_s, unnamed_pj_per_bit = unnamed_interface_cost()
    unnamed_gb_s = np.where(~d.standard & np.isfinite(v["dram_gb_s"]), v["dram_gb_s"], 0.0)
    return {
        "channels": channels.astype(np.int64),
        "capacity_bits": np.where(np.isnan(gib), derived_bits, gib * 2.0 ** 33),
        "phy_area_mm2": channels * mm2_per_channel + unnamed_gb_s * unnamed_mm2_per_gb_s,
        "phy_uw": np.where(d.standard, phy_mw(phy_pj_per_bit, provisioned_gb_s),
                           phy_mw(unnamed_pj_per_bit, unnamed_gb_s)) * 1e3,
        "device_static_uw": channels * per_group(lambda t: t.static_mw_per_channel) * 1e3,
    }
