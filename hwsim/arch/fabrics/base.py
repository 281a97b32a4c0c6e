"""What a fabric receives (a job: its layers x every design point) and what it returns (counts).

Every array is (P, L) for P design points and the fabric's L layers, per instance of a layer
(the engine multiplies by instances x count). Struct of arrays; no dicts of loose keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from hwsim.arch.design import DesignBatch
from hwsim.arch.spec import row_stationary_spads
from hwsim.tech.arith import register
from hwsim.tech.costs import unit_cost

ROLES = ("ifmap", "filter", "ofmap")

# The layout of compiled fabrics' cells (cell.py of a fabric; hwsim/engine/fused.py). Inputs are
# read by named row from float64 matrices, outputs written to named slots; per instance of a layer.
# -- design inputs: rows of the (N_DESIGN_INPUTS, P) matrix --------------------------------------
DESIGN_INPUTS = (
    "group", "rows", "cols", "dataflow", "mapping", "objective", "stationary_double_buffered",
    "double_buffered", "vector_lanes", "dram_bits_per_cycle", "dram_pj_per_bit",
    "size_a_bits", "size_b_bits", "size_c_bits", "port_a_bits", "port_b_bits", "port_c_bits",
    "read_a_pj_per_bit", "read_b_pj_per_bit", "read_c_pj_per_bit",
    "write_a_pj_per_bit", "write_b_pj_per_bit", "write_c_pj_per_bit",
    "sram_mean_pj_per_bit", "idle_pe_energy_fraction", "leak_pj_per_cycle", "clock_hz", "leakage_uw",
    "user_mode", "pe_energy_scale", "keep_activations",
    # the row-stationary dataflow's PE scratchpads (words) and a pad access's share of a MAC's energy
    "rs_filter_words", "rs_ifmap_words", "rs_psum_words", "rs_spad_mac_fraction",
    # buffers.shared_ifmap_ofmap, .activation_compression (and its codec's register bit energy),
    # .assumed_activation_density (0 = none)
    "shared_ifmap_ofmap", "activation_compression", "register_pj_per_bit", "assumed_activation_density",
)
(D_GROUP, D_ROWS, D_COLS, D_DATAFLOW, D_MAPPING, D_OBJECTIVE, D_SDB, D_DBUF, D_LANES, D_BW, D_E_DRAM,
 D_SIZE_A, D_SIZE_B, D_SIZE_C, D_PORT_A, D_PORT_B, D_PORT_C, D_RD_A, D_RD_B, D_RD_C, D_WR_A, D_WR_B, D_WR_C,
 D_E_SRAM, D_IDLE, D_LEAK_PJ_PER_CYCLE, D_CLOCK_HZ, D_LEAKAGE_UW, D_USER,
 D_PE_ENERGY_SCALE, D_KEEP_ACT, D_RS_FILTER, D_RS_IFMAP, D_RS_PSUM, D_RS_SPAD_FRACTION, D_SHARED, D_RLC,
 D_REG_PJ_PER_BIT, D_ASSUMED_DENSITY) = range(len(DESIGN_INPUTS))

# -- layer inputs: rows of the (N_LAYER_INPUTS, L) matrix ----------------------------------------
LAYER_INPUTS = ("m", "k", "n", "a_unique_words", "a_input_words", "repeats", "is_gemm", "vector_elements",
                "vector_ops", "vector_operands", "instances",
                # buffers.keep_activations, from the workload's order (before layers are split by
                # fabric): the next layer is a GEMM that reads no more elements than this one
                # wrote; the previous layer handed this one its input; its input and output words
                "hands_on", "handed_in", "prev_in_words", "prev_out_words",
                # a convolution's kernel and output rows x columns (1 for a GEMM): the row-
                # stationary dataflow's 1-D row primitives
                "kernel_h", "kernel_w", "out_h", "out_w",
                # nonzero fractions of the layer's input and output activations, for activation
                # compression: as the trace gives them (the output's: the next layer's input's when the
                # next layer reads it); 1 for the network's input and an output no layer reads; NaN for
                # a previous layer's output of no stated density (the design's assumed density applies)
                "density_in", "density_out",
                # the first layer of the workload with this layer's GEMM shape (m, k, n, A words;
                # the layer itself for the first and for vector layers): a hint, the systolic cell
                # shares that layer's prepared mapper tilings when their structures are equal
                "shape_first")
(L_M, L_K, L_N, L_A_UNIQUE, L_A_INPUT, L_REPEATS, L_IS_GEMM, L_VEC_ELEMENTS, L_VEC_OPS,
 L_VEC_OPERANDS, L_INSTANCES, L_HANDS_ON, L_HANDED_IN, L_PREV_IN_WORDS, L_PREV_OUT_WORDS, L_KERNEL_H, L_KERNEL_W,
 L_OUT_H, L_OUT_W, L_DENSITY_IN, L_DENSITY_OUT, L_SHAPE_FIRST) = range(len(LAYER_INPUTS))
# element-wise ops whose every output element reads two input tensors (a residual add, a gate)
TWO_OPERAND_VECTOR_OPS = frozenset({"add", "mul"})

# -- precision inputs: rows of the (N_PRECISION_INPUTS, G, L) tensor -----------------------------
PRECISION_INPUTS = ("a_bits", "b_bits", "out_bits", "acc_bits", "k_per_step", "cycles_per_step", "group_size",
                    "table_group", "table_entries", "energy_per_mac_pj", "energy_per_group_pj",
                    "energy_per_table_pj", "energy_convert_weights_pj", "energy_convert_activations_pj",
                    "energy_per_vector_op_pj",
                    # the previous layer's (workload order) activation and output bits
                    "prev_a_bits", "prev_out_bits")
(Q_A_BITS, Q_B_BITS, Q_OUT_BITS, Q_ACC_BITS, Q_PACK, Q_CPS, Q_GROUP_SIZE, Q_TABLE_GROUP, Q_TABLE_ENTRIES,
 Q_E_MAC, Q_E_GROUP, Q_E_TABLE, Q_E_CONV_W, Q_E_CONV_A, Q_E_VOP, Q_PREV_A_BITS, Q_PREV_OUT_BITS) = range(len(PRECISION_INPUTS))
# rows a precision table does not carry: pack_precision derives them from its neighbours
_DERIVED_PRECISION = frozenset({"prev_a_bits", "prev_out_bits"})

# -- SCALE-Sim USER-mode results computed ahead (scalesim_user.py), rows of a (4, P, L) tensor ----
USER_INPUTS = ("stall_cycles", "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words")
U_STALL, U_IFMAP, U_FILTER, U_OFMAP = range(len(USER_INPUTS))
N_USER_INPUTS = len(USER_INPUTS)

# -- BitMoD's mapping computed ahead (systolic/fabric.py: _bitmod), rows of a (7, P, L) tensor ---
BITMOD_INPUTS = ("compute_cycles", "stall_cycles", "dram_a_bits", "dram_b_bits", "dram_out_bits",
                 "sram_a_reads_bits", "sram_b_reads_bits")
B_COMPUTE, B_STALL, B_DRAM_A, B_DRAM_B, B_DRAM_OUT, B_SRAM_A, B_SRAM_B = range(len(BITMOD_INPUTS))
N_BITMOD_INPUTS = len(BITMOD_INPUTS)

# -- outputs, per instance ------------------------------------------------------------------------
OUTPUTS = (
    "compute_cycles", "stall_cycles", "macs", "groups", "tables", "converted_weights", "converted_activations",
    "vector_ops", "sram_read_a_bits", "sram_read_b_bits", "sram_read_c_bits", "sram_write_a_bits",
    "sram_write_b_bits", "sram_write_c_bits", "dram_ifmap_reads_bits", "dram_filter_reads_bits",
    "dram_ofmap_writes_bits", "dram_psum_reads_bits", "idle_mac_slots",
    # PE scratchpad (register file) accesses beyond the PE's own operand registers: the row-
    # stationary dataflow's filter, ifmap and psum pads (priced at compute.row_stationary's energy)
    "spad_accesses",
    # bits through the activation compression codec's registers (buffers.activation_compression)
    "codec_bits",
    # report columns
    "folds", "mapping_efficiency", "compute_utilization", "sram_ifmap_reads_words", "sram_filter_reads_words",
    "sram_ofmap_writes_words", "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words",
    "compulsory_dram_bits", "map_scheme", "tile_m", "tile_n", "tile_k", "tiles_double_buffered",
    # the timing components the layer's time is made of (docs/columns.md; results.py derives the
    # per-layer `bound` from them): DRAM transfer time at the design's bandwidth, and the time the
    # SRAM ports need (NaN where the fabric's timing has no port term)
    "dram_transfer_cycles", "sram_port_cycles",
    # output bits written to DRAM only for the next layer to read back (buffers.keep_activations)
    "dram_spill_bits",
)
(O_COMPUTE, O_STALL, O_MACS, O_GROUPS, O_TABLES, O_CONV_W, O_CONV_A, O_VOPS, O_SRAM_RD_A, O_SRAM_RD_B,
 O_SRAM_RD_C, O_SRAM_WR_A, O_SRAM_WR_B, O_SRAM_WR_C, O_DRAM_A, O_DRAM_B, O_DRAM_W, O_DRAM_PSUM, O_IDLE,
 O_SPAD, O_CODEC, O_FOLDS, O_MAP_EFF, O_COMP_UTIL, O_SRAM_IFMAP_WORDS, O_SRAM_FILTER_WORDS, O_SRAM_OFMAP_WORDS,
 O_DRAM_IFMAP_WORDS, O_DRAM_FILTER_WORDS, O_DRAM_OFMAP_WORDS, O_COMPULSORY, O_SCHEME, O_MT, O_NT, O_KT,
 O_OVERLAP, O_DRAM_CYCLES, O_PORT_CYCLES, O_SPILL_BITS) = range(len(OUTPUTS))
N_OUT = len(OUTPUTS)
# the report columns the fabric hands to the per-layer table, and which scale with repeats
REPORT_OUTPUTS = OUTPUTS[O_FOLDS:]
COUNT_OUTPUTS = OUTPUTS[:O_FOLDS]



@dataclass(frozen=True, eq=False)
class FabricJob:
    design: DesignBatch
    # layer columns, (1, L) or (P, L)
    m: np.ndarray
    k: np.ndarray
    n: np.ndarray
    a_unique_words: np.ndarray
    a_input_words: np.ndarray
    vector_elements: np.ndarray
    vector_ops: np.ndarray
    # precision columns gathered per design group, (1, L) or (P, L)
    a_bits: np.ndarray
    b_bits: np.ndarray
    out_bits: np.ndarray
    acc_bits: np.ndarray
    k_per_step: np.ndarray
    cycles_per_step: np.ndarray
    group_size: np.ndarray
    table_group: np.ndarray = None   # activations per lookup table along K (LUT PEs); None: no tables
    table_entries: np.ndarray = None
    instances: np.ndarray | None = None  # (1, L): back-to-back instances of each layer (attention heads)
    is_gemm: np.ndarray | None = None        # (1, L): GEMM-like (else element-wise); the PIM fabric runs both
    vector_is_add: np.ndarray | None = None  # (1, L): element-wise add/mul (two operands) rather than one
    cells: "CellInputs | None" = None        # the same job as matrices, for compiled fabrics
    engine: str = "analytic"                 # the timing model a fabric that has several uses

    def for_rows(self, rows: np.ndarray) -> "FabricJob":
        """The job restricted to design points ``rows`` (per-point arrays sliced, shared ones kept)."""
        P = self.design.size
        values = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == P and P > 1:
                value = value[rows]
            values[name] = value
        return FabricJob(**values)

    def col(self, values: np.ndarray) -> np.ndarray:
        """A per-design array as a (P, 1) column."""
        return np.asarray(values)[:, None]


@dataclass(frozen=True, eq=False)
class PricedTerm:
    """A fabric's own priced work beyond the shared counts: ``count`` units (P, L) at
    ``pj_per_unit`` each (broadcast to (P, L)), added to the energy part ``part``."""

    name: str
    part: str                  # 'compute', 'sram' or 'dram'
    count: np.ndarray
    pj_per_unit: np.ndarray


@dataclass(eq=False)
class Counts:
    """Per instance of each layer, (P, L)."""

    compute_cycles: np.ndarray
    stall_cycles: np.ndarray
    macs: np.ndarray
    groups: np.ndarray                 # per-group PE work (dequantise, scale combine)
    tables: np.ndarray                 # per-table PE work (LUT precompute)
    converted_weights: np.ndarray      # elements through a weight converter
    converted_activations: np.ndarray  # elements through an activation converter
    vector_ops: np.ndarray
    sram_read_bits: np.ndarray         # (3, P, L): ifmap, filter, ofmap
    sram_write_bits: np.ndarray        # (3, P, L)
    dram_read_bits: np.ndarray
    dram_write_bits: np.ndarray
    report: dict[str, np.ndarray] = field(default_factory=dict)  # fabric-specific columns, (P, L)
    # MAC slots of PEs with no product in a compute cycle (rows x cols x compute cycles x
    # k_per_step / cycles_per_step - MACs); priced at E_mac x compute.idle_pe_energy_fraction
    idle_mac_slots: np.ndarray | None = None
    spad_accesses: np.ndarray | None = None    # PE scratchpad accesses (row stationary)
    codec_bits: np.ndarray | None = None       # bits through the compression codec's registers
    priced_terms: tuple[PricedTerm, ...] = ()  # the fabric's own work, priced as it says


def timing_bound(compute_label: str = "compute"):
    """The ``bound`` rule of a fabric timed by its own components (docs/columns.md): the largest
    of its compute cycles (labelled ``compute_label``), the SRAM ports' cycles and the DRAM
    transfer cycles; a tie goes to compute, then to the ports. Components that do not apply are
    -inf (results.layer_bound passes NaN as -inf)."""
    def bound(compute: np.ndarray, port: np.ndarray, dram: np.ndarray) -> np.ndarray:
        label = np.full(compute.shape, compute_label, dtype=object)
        label = np.where((port > compute) & (port >= dram), "sram_port", label)
        return np.where((dram > compute) & (dram > port), "dram_bandwidth", label).astype(object)

    return bound


@dataclass(frozen=True)
class Fabric:
    """What the engine and the tables need of a fabric, declared by the fabric's own module: how
    it counts, its peak (for the utilization column), its report columns and which of them are
    totals over a layer's repeats (multiplied by instances x count) rather than per-instance
    figures, and how its layers read in the per-layer table (``mapping`` and ``bound``)."""

    name: str
    count: "Callable[[FabricJob], Counts]"
    # work units per cycle at full use, (P, 1) or (P, L), and the Counts field they count; None:
    # the fabric reports no utilization
    peak_per_cycle: "Callable[[FabricJob], np.ndarray] | None"
    work: str
    report_columns: tuple[str, ...]
    repeat_scaled: frozenset[str]
    kernels: tuple = ()        # its compiled (numba, cache=True) entry points, for the compile notice
    # the per-layer table's `mapping` for its layers; None: the design's own mapping setting
    # (scalesim, auto, bitmod: the systolic array's)
    mapping_label: str | None = None
    # its layers' `bound`: (compute, SRAM port, DRAM transfer cycles), each (n,) -> (n,) labels
    bound: "Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]" = timing_bound()


# report columns every fabric gives the per-layer table (docs/columns.md), and the ones that are
# totals over the layer's repeats
COMMON_REPORT = ("folds", "mapping_efficiency", "compute_utilization", "sram_ifmap_reads_words",
                 "sram_filter_reads_words", "sram_ofmap_writes_words", "dram_ifmap_reads_words",
                 "dram_filter_reads_words", "dram_ofmap_writes_words", "dram_ifmap_reads_bits",
                 "dram_filter_reads_bits", "dram_ofmap_writes_bits", "dram_psum_reads_bits", "compulsory_dram_bits",
                 "map_scheme", "tile_m", "tile_n", "tile_k", "tiles_double_buffered",
                 "dram_transfer_cycles", "sram_port_cycles", "dram_spill_bits")
COMMON_REPEAT_SCALED = (frozenset(name for name in COMMON_REPORT if name.endswith(("_words", "_bits", "_cycles")))
                        | {"folds"})


def array_peak(job: FabricJob) -> np.ndarray:
    """MACs per cycle of a rows x cols array of PEs (each k_per_step / cycles_per_step MACs)."""
    return job.col(job.design.rows * job.design.cols) * job.k_per_step / job.cycles_per_step


# report slots with no meaning for a fabric that does not tile (vector unit)
REPORT_NAN_OUTPUTS = (O_MAP_EFF, O_COMP_UTIL, O_SCHEME, O_MT, O_NT, O_KT)


@dataclass(frozen=True, eq=False)
class CellInputs:
    """The matrices compiled fabrics read (module layout above), for every design point of a batch
    and the fabric's layers."""

    design: np.ndarray     # (N_DESIGN_INPUTS, P)
    layer: np.ndarray      # (N_LAYER_INPUTS, L)
    precision: np.ndarray  # (N_PRECISION_INPUTS, G, L)

    def for_layers(self, idx: np.ndarray) -> "CellInputs":
        layer = np.ascontiguousarray(self.layer[:, idx])
        layer[L_SHAPE_FIRST] = _shape_first(layer, layer[L_IS_GEMM] > 0)   # positions in the subset
        return CellInputs(self.design, layer, np.ascontiguousarray(self.precision[:, :, idx]))


def pack_design(d: DesignBatch) -> np.ndarray:
    """The (N_DESIGN_INPUTS, P) matrix of a design batch."""
    out = np.empty((len(DESIGN_INPUTS), d.size))
    size_bits = d.buffer_kib * 8192.0
    out[D_GROUP] = d.group
    out[D_ROWS] = d.rows
    out[D_COLS] = d.cols
    out[D_DATAFLOW] = d.dataflow
    out[D_MAPPING] = d.mapping
    out[D_OBJECTIVE] = d.objective
    out[D_SDB] = d.stationary_double_buffered
    out[D_DBUF] = d.double_buffered
    out[D_LANES] = d.vector_lanes
    out[D_BW] = d.dram_bits_per_cycle
    out[D_E_DRAM] = d.dram_pj_per_bit
    out[D_SIZE_A:D_SIZE_C + 1] = size_bits
    out[D_PORT_A:D_PORT_C + 1] = d.sram_bits_per_cycle
    out[D_RD_A:D_RD_C + 1] = d.sram_read_pj_per_bit
    out[D_WR_A:D_WR_C + 1] = d.sram_write_pj_per_bit
    out[D_E_SRAM] = d.sram_pj_per_bit.mean(axis=0)
    out[D_IDLE] = d.idle_pe_energy_fraction
    out[D_LEAK_PJ_PER_CYCLE] = d.leakage_uw / d.clock_mhz   # derived: uW / MHz = pJ per cycle
    out[D_CLOCK_HZ] = d.clock_mhz * 1e6
    out[D_LEAKAGE_UW] = d.leakage_uw
    out[D_PE_ENERGY_SCALE] = d.pe_energy_scale   # the point's node and supply over its group's
    out[D_KEEP_ACT] = d.keep_activations
    out[D_SHARED] = d.shared_ifmap_ofmap
    out[D_RLC] = d.activation_compression
    # 0 = none (a density is > 0; not NaN, which would split every structure group, fused.py)
    out[D_ASSUMED_DENSITY] = np.array([x or 0.0 for x in (a.spec.buffers.assumed_activation_density
                                                          for a in d.accelerators)], dtype=np.float64)[d.group]
    # a register bit's write energy at the structural group's tech point (the compression codec's;
    # the point's own node and supply scale it with the PE energies)
    out[D_REG_PJ_PER_BIT] = np.array([unit_cost(register(1.0), a.tech).energy_pj for a in d.accelerators])[d.group]
    spads = np.array([row_stationary_spads(a.spec.compute) for a in d.accelerators], dtype=np.float64)[d.group]
    out[D_RS_FILTER], out[D_RS_IFMAP], out[D_RS_PSUM], out[D_RS_SPAD_FRACTION] = spads.T
    operand_bpc = d.operand_bits_per_cycle()
    # SCALE-Sim's USER-bandwidth mode: its own prefetch model applies (systolic/scalesim_user.py)
    out[D_USER] = ((d.mapping == 0) & d.double_buffered & (operand_bpc is not None)
                   & ~np.isinf(d.dram_bits_per_cycle))
    return out


def pack_layers(layers) -> np.ndarray:
    """The (N_LAYER_INPUTS, L) matrix of a LayerBatch."""
    out = np.empty((len(LAYER_INPUTS), layers.size))
    out[L_M], out[L_K], out[L_N] = layers.m, layers.k, layers.n
    out[L_A_UNIQUE], out[L_A_INPUT] = layers.a_unique_words, layers.a_input_words
    out[L_REPEATS] = layers.instances * layers.count
    out[L_INSTANCES] = layers.instances
    out[L_IS_GEMM] = layers.is_gemm
    out[L_VEC_ELEMENTS], out[L_VEC_OPS] = layers.vector_elements, layers.vector_ops
    out[L_VEC_OPERANDS] = [2.0 if op in TWO_OPERAND_VECTOR_OPS else 1.0 for op in layers.vector_op]
    # the chain of consecutive layers (workload order: the trace names no graph): layer i + 1 reads
    # layer i's output when both are GEMMs and i's output is no new K/V (the KV cache lives in DRAM)
    gemm = np.asarray(layers.is_gemm, dtype=bool)
    reads_it = np.zeros(layers.size, dtype=bool)
    reads_it[:-1] = gemm[:-1] & gemm[1:] & ~np.asarray(layers.writes_kv, dtype=bool)[:-1]
    if layers.llm is not None:
        # a lowered LLM's layer list is not a chain: q, k and v read one input, and a generate run
        # merges its decode steps (each step's attention layers side by side)
        reads_it[:] = False
    # hand-offs: layer i hands its output on when i + 1 reads it and no more distinct input elements
    # than i wrote (docs/model-assumptions.md "Activations that stay on chip")
    in_words = np.asarray(layers.a_unique_words, dtype=np.float64) * layers.instances
    out_words = np.asarray(layers.m, dtype=np.float64) * layers.n * layers.instances
    hands_on = np.zeros(layers.size)
    hands_on[:-1] = reads_it[:-1] & (in_words[1:] <= out_words[:-1])
    out[L_HANDS_ON] = hands_on
    out[L_HANDED_IN] = np.concatenate([[0.0], hands_on[:-1]])
    out[L_PREV_IN_WORDS] = np.concatenate([[0.0], in_words[:-1]])
    out[L_PREV_OUT_WORDS] = np.concatenate([[0.0], out_words[:-1]])
    out[L_KERNEL_H], out[L_KERNEL_W] = layers.kernel_h, layers.kernel_w
    out[L_OUT_H], out[L_OUT_W] = layers.out_h, layers.out_w
    density = np.asarray(layers.activation_density, dtype=np.float64)
    fed = np.concatenate([[False], reads_it[:-1]])    # layer i reads layer i - 1's output
    out[L_DENSITY_IN] = np.where(np.isnan(density) & ~fed, 1.0, density)
    out[L_DENSITY_OUT] = np.where(reads_it, np.append(density[1:], 1.0), 1.0)
    out[L_SHAPE_FIRST] = _shape_first(out, gemm)
    return out


def _shape_first(out: np.ndarray, gemm: np.ndarray) -> np.ndarray:
    """Per layer, the first GEMM layer with its (m, k, n, A words): L_SHAPE_FIRST."""
    hint = np.arange(out.shape[1], dtype=np.float64)
    at = np.flatnonzero(gemm)
    if len(at):
        keys = out[[L_M, L_K, L_N, L_A_UNIQUE, L_A_INPUT]][:, at].T
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        hint[at] = at[first[inverse.reshape(-1)]]
    return hint


def pack_precision(tables) -> np.ndarray:
    """The (N_PRECISION_INPUTS, G, L) tensor of one precision table per structural group."""
    size = len(np.asarray(tables[0].a_bits))
    out = np.empty((len(PRECISION_INPUTS), len(tables), size))
    for g, table in enumerate(tables):
        for row, name in enumerate(PRECISION_INPUTS):
            if name not in _DERIVED_PRECISION:
                out[row, g] = getattr(table, name)
    out[Q_PREV_A_BITS] = np.concatenate([np.zeros((len(tables), 1)), out[Q_A_BITS, :, :-1]], axis=1)
    out[Q_PREV_OUT_BITS] = np.concatenate([np.zeros((len(tables), 1)), out[Q_OUT_BITS, :, :-1]], axis=1)
    return out


def cells_to_counts(out: np.ndarray, idle: bool) -> "Counts":
    """Counts from a compiled fabric's (N_OUT, P, L) cells."""
    report = {name: out[row] for row, name in enumerate(OUTPUTS) if row >= O_FOLDS}
    report["dram_ifmap_reads_bits"] = out[O_DRAM_A]
    report["dram_filter_reads_bits"] = out[O_DRAM_B]
    report["dram_ofmap_writes_bits"] = out[O_DRAM_W]
    report["dram_psum_reads_bits"] = out[O_DRAM_PSUM]
    return Counts(
        compute_cycles=out[O_COMPUTE], stall_cycles=out[O_STALL], macs=out[O_MACS], groups=out[O_GROUPS],
        tables=out[O_TABLES], converted_weights=out[O_CONV_W], converted_activations=out[O_CONV_A],
        vector_ops=out[O_VOPS], sram_read_bits=out[O_SRAM_RD_A:O_SRAM_RD_C + 1],
        sram_write_bits=out[O_SRAM_WR_A:O_SRAM_WR_C + 1],
        dram_read_bits=out[O_DRAM_A] + out[O_DRAM_B] + out[O_DRAM_PSUM], dram_write_bits=out[O_DRAM_W],
        report=report, idle_mac_slots=out[O_IDLE] if idle else None, spad_accesses=out[O_SPAD],
        codec_bits=out[O_CODEC])


def cell_matrix(counts: "Counts", shape: tuple) -> np.ndarray:
    """The priced slots of ``counts`` as an (N_OUT, P, L) matrix (other slots zero): the inverse of
    cells_to_counts for fabrics that count in numpy."""
    out = np.zeros((N_OUT, *shape))
    def put(slot, value):
        if value is not None:
            out[slot] = np.broadcast_to(value, shape)
    put(O_MACS, counts.macs)
    put(O_GROUPS, counts.groups)
    put(O_TABLES, counts.tables)
    put(O_CONV_W, counts.converted_weights)
    put(O_CONV_A, counts.converted_activations)
    put(O_VOPS, counts.vector_ops)
    put(O_IDLE, counts.idle_mac_slots)
    put(O_SPAD, counts.spad_accesses)
    put(O_CODEC, counts.codec_bits)
    for j in range(3):
        put(O_SRAM_RD_A + j, counts.sram_read_bits[j])
        put(O_SRAM_WR_A + j, counts.sram_write_bits[j])
    put(O_DRAM_A, counts.dram_read_bits)        # reads as one slot: pricing weighs every DRAM bit alike
    put(O_DRAM_W, counts.dram_write_bits)
    return out
