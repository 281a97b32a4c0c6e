"""The accelerator spec: a validated, typed description of the hardware (gem5-style fields:
a unit in the name, a description, and a default only where the default is a convention).

Unknown keys are rejected. Every preset in accelerators/ cites the source of its numbers in
``source`` and in comments.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


def _number_as_name(value):
    """A bare bit width (5.25) is a format name too; YAML reads it as a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return value


FormatName = Annotated[str, BeforeValidator(_number_as_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConversionSpec(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    operand: Literal["weights", "activations"] = Field(description="which MAC operand is converted")
    from_format: FormatName = Field(alias="from", description="stored format, e.g. int4 or int4@g128")
    to: FormatName = Field(description="native format the PE computes in, e.g. fp16")


class PESpec(_Strict):
    type: str = Field(description="PE micro-architecture, a registered PE type (hwsim.pe.PE_TYPES): mac")
    weights: list[FormatName] = Field(min_length=1, description="weight formats the PE runs natively")
    activations: list[FormatName] = Field(min_length=1, description="activation formats the PE runs natively")
    accumulator: FormatName = Field(description="accumulator format, e.g. int32, int24 or fp32")
    multiplier: Literal["array", "booth4"] = Field(
        default="array", description="integer/significand multiplier: array or radix-4 Booth")
    decomposable: bool = Field(
        default=False, description="Bit Fusion-style PE: narrow INT operands give more products per cycle")
    conversions: list[ConversionSpec] = Field(
        default_factory=list, description="formats converted at the array edge into a native one (cost charged)")
    stationary_double_buffered: bool = Field(
        default=False, description="a second set of stationary registers per PE: the next fold's weights (WS) or "
                                   "inputs (IS) load, or outputs (OS) drain, while the current fold computes "
                                   "(TPU v1's weight double-buffering); used by mapping 'auto'")

    bits_per_cycle: int = Field(default=1, gt=0, description="bitserial: weight bits consumed per cycle")
    dot_product_width: int = Field(default=1, gt=0, description="bitserial: multiply-adds per PE per step along K")
    essential_bit_fraction: float | None = Field(
        default=None, gt=0, le=1, description="bitserial: average fraction of non-zero weight bits; set = "
                                              "zero-bit skipping (Bit-Pragmatic), unset = every bit a cycle")
    lut_group_size: int = Field(default=4, gt=0, le=8,
                                description="lut: activations per lookup table along K (g); 2^g entries")
    lut_symmetry: bool = Field(default=True, description="lut: store 2^(g-1) entries and negate (T-MAC, LUT Tensor Core)")
    lut_table_storage: Literal["registers", "sram"] = Field(
        default="registers", description="lut: where the tables live (registers: DFF per bit; sram: a small SRAM)")
    lut_table_format: FormatName = Field(default="int8", description="lut: precision of a table entry, e.g. int8, fp16")
    energy_pj_per_cycle: float | None = Field(
        default=None, gt=0, description="published PE energy per cycle in pJ (replaces the tech model; cite it)")
    area_um2: float | None = Field(default=None, gt=0,
                                   description="published PE area in um^2 (replaces the tech model; cite it)")

    @field_validator("type")
    @classmethod
    def _registered(cls, value):
        from hwsim.pe import PE_TYPES

        if value not in PE_TYPES:
            raise ValueError(f"'{value}' is not a PE type; allowed: {', '.join(PE_TYPES)}")
        return value


class ComputeSpec(_Strict):
    kind: Literal["systolic", "pim", "roofline"] = Field(
        default="systolic", description="compute fabric: 'systolic' MAC array; 'pim' = MAC units in the DRAM banks "
                                        "(section pim) take the layers pim.offload names, the systolic array below "
                                        "is the host's for the rest; 'roofline' = a GPU-like device, rows x cols "
                                        "MACs per cycle at peak and compulsory DRAM traffic, whichever is slower")
    rows: int = Field(gt=0, description="systolic array rows (PEs)")
    cols: int = Field(gt=0, description="systolic array columns (PEs)")
    dataflow: Literal["os", "ws", "is"] = Field(description="output-, weight- or input-stationary")
    pe: PESpec
    idle_pe_energy_fraction: float = Field(
        default=0.0, ge=0, le=1, description="energy a PE spends in a compute cycle in which it has no product to "
                                             "compute (partial folds, short GEMMs), as a fraction of a busy PE-cycle: "
                                             "0 = idle PEs clock-gated, 1 = no gating, every PE pays its full "
                                             "per-cycle energy every compute cycle (BitMoD's simulator)")


class VectorSpec(_Strict):
    lanes: int = Field(gt=0, description="element operations the vector unit completes per cycle")


class BufferSpec(_Strict):
    size_kib: float = Field(gt=0, description="capacity in KiB (1 KiB = 8192 bits)")
    banks: int = Field(default=1, gt=0, description="independent banks; an access touches one")
    port_width_bits: int = Field(gt=0, description="bits per access")
    read_pj_per_access: float | None = Field(
        default=None, gt=0, description="published energy of one read of port_width_bits, in pJ (e.g. CACTI's; "
                                        "replaces hwsim's SRAM energy model for reads; not node-scaled; cite it)")
    write_pj_per_access: float | None = Field(
        default=None, gt=0, description="published energy of one write of write_access_bits, in pJ (replaces "
                                        "hwsim's SRAM energy model for writes; not node-scaled; cite it)")
    write_access_bits: int | None = Field(
        default=None, gt=0, description="bits per write access for write_pj_per_access (CACTI's minimum write "
                                        "granularity); unset = port_width_bits")


class BuffersSpec(_Strict):
    ifmap: BufferSpec = Field(description="input-activation buffer (SCALE-Sim's ifmap SRAM)")
    filter: BufferSpec = Field(description="weight buffer (SCALE-Sim's filter SRAM)")
    ofmap: BufferSpec = Field(description="output / partial-sum buffer (SCALE-Sim's ofmap SRAM)")
    double_buffered: bool = Field(default=True, description="half of each buffer prefetches the next tile; "
                                                             "false: every load is exposed")
    sram_cell: Literal["hp", "lop"] = Field(
        default="lop", description="SRAM cell/periphery flavour for leakage: CACTI itrs-hp or itrs-lop "
                                   "(hwsim/memory/sram.py has the sources)")


def _bandwidth(value):
    if value != "unlimited" and not (value > 0 and math.isfinite(value)):
        raise ValueError("must be a positive finite number or 'unlimited'")
    return value


Bandwidth = Annotated[Union[float, Literal["unlimited"]], AfterValidator(_bandwidth)]


class OperandBandwidthSpec(_Strict):
    ifmap: Bandwidth = Field(description="input-activation channel, GB/s")
    filter: Bandwidth = Field(description="weight channel, GB/s")
    ofmap: Bandwidth = Field(description="output channel, GB/s")


class DramSpec(_Strict):
    bandwidth_gb_s: Bandwidth | None = Field(
        default=None, description="off-chip bandwidth in GB/s (1e9 bytes/s), independent of the core clock; "
                                  "'unlimited' = SCALE-Sim's CALC mode (no stalls); unset = channels x the "
                                  "standard's per-channel peak (needs dram.standard)")
    standard: str | None = Field(
        default=None, description="DRAM organisation and timing preset (hwsim.memory.dram.DRAM_PRESETS, e.g. "
                                  "hbm2-pim, hbm3, gddr6, lpddr5); required by compute.kind 'pim'")
    channels: int | None = Field(
        default=None, gt=0, description="(pseudo-)channels of the device or system; unset = the standard's own count")
    energy_pj_per_bit: float = Field(ge=0, description="energy per bit read or written off-chip")
    operand_bandwidth_gb_s: OperandBandwidthSpec | None = Field(
        default=None, description="SCALE-Sim's separate ifmap/filter/ofmap channels (mapping 'scalesim'); "
                                  "unset = one shared channel of bandwidth_gb_s")

    @field_validator("standard")
    @classmethod
    def _known_standard(cls, value):
        from hwsim.memory.dram import DRAM_PRESETS

        if value is not None and value not in DRAM_PRESETS:
            raise ValueError(f"'{value}' is not a DRAM standard; allowed: {', '.join(DRAM_PRESETS)}")
        return value

    @model_validator(mode="after")
    def _bandwidth_known(self):
        if self.bandwidth_gb_s is None and self.standard is None:
            raise ValueError("bandwidth_gb_s is required unless dram.standard is set (then it is derived)")
        return self

    @property
    def timing(self):
        """The standard's organisation and timing (None without a standard)."""
        from hwsim.memory.dram import dram_preset

        return None if self.standard is None else dram_preset(self.standard)

    @property
    def channel_count(self) -> int | None:
        timing = self.timing
        return None if timing is None else (self.channels or timing.channels)

    @property
    def bandwidth(self) -> float:
        """GB/s; infinite for 'unlimited'; derived: channels x per-channel peak when unset."""
        if self.bandwidth_gb_s is None:
            return self.channel_count * self.timing.channel_gb_s
        return math.inf if self.bandwidth_gb_s == "unlimited" else float(self.bandwidth_gb_s)


class DefaultPrecisionSpec(_Strict):
    weights: FormatName = Field(description="weight format for layers whose trace gives none")
    activations: FormatName = Field(description="activation format for layers whose trace gives none")
    outputs: FormatName = Field(description="output format for layers whose trace gives none")
    kv: FormatName | None = Field(default=None, description="KV-cache format; unset = the activation format")


class PimSpec(_Strict):
    """MAC units beside the DRAM banks (HBM-PIM, GDDR6-AiM style); numbers per unit unless named."""

    lanes_per_unit: int = Field(gt=0, description="MAC lanes per PIM unit in the first lane format (elements per step)")
    lane_formats: list[FormatName] = Field(
        min_length=1, description="weight formats the lanes multiply natively; the first sets lanes_per_unit, a "
                                  "narrower one packs lanes_per_unit x first bits / its bits lanes")
    banks_per_unit: int = Field(
        gt=0, description="banks one unit serves, streaming one at a time: 1 = a unit per bank (GDDR6-AiM, AttAcc "
                          "bank level); 2 = a bank pair, input tiles alternate even/odd banks (HBM-PIM); the banks "
                          "of a bank group (AttAcc bank-group level); all banks of a channel (buffer die)")
    host: Literal["systolic", "roofline"] = Field(
        default="systolic", description="the fabric of the host that runs what is not offloaded: the systolic "
                                        "array of compute, or compute as a roofline (a GPU host, e.g. AttAcc's)")
    unit_clock_mhz: float = Field(gt=0, description="PIM unit clock in MHz (a lane finishes one MAC per cycle)")
    input_registers: int = Field(
        default=8, gt=0, description="registers per unit holding the broadcast input vector, one burst each "
                                     "(HBM-PIM GRF_A); sets the input chunk broadcast per tile")
    accumulator_registers: int = Field(
        default=8, gt=0, description="accumulator registers per unit, one output row's lane partial sums each "
                                     "(HBM-PIM GRF_B); sets the output rows a unit works on per pass")
    offload: Literal["all", "gemv", "attention", "faster"] = Field(
        default="all", description="which layers run in memory: 'all' GEMM-like layers and add/mul/relu; 'gemv' "
                                   "GEMM-like layers with at most gemv_max_rows activation rows; 'attention' only "
                                   "the layers that read the KV cache; 'faster' each 'gemv' layer where it takes "
                                   "fewer cycles, in memory or on the host (both costed); the rest run on the host")
    gemv_max_rows: int = Field(default=1, gt=0,
                               description="offload 'gemv': most activation rows (M) a layer may have to run in memory")
    kernel_setup_cycles: int = Field(
        ge=0, description="DRAM cycles to enter and leave PIM mode once per kernel (park, mode switches, program "
                          "load); cite the command trace it comes from")
    kernel_tail_cycles: int = Field(
        default=0, ge=0, description="the last of kernel_setup_cycles (park-out): a refresh falling due in them no "
                                     "longer delays a kernel that ends there (its commands are queued)")
    session_cycles: int = Field(
        ge=0, description="DRAM cycles per PIM session (one per output tile and batch element of a GEMV, one per "
                          "element-wise kernel): mode switch in and out, accumulator write-back")
    refresh_phase: float = Field(
        default=0.5, ge=0, lt=1, description="where a kernel starts in its refresh interval: the first all-bank "
                                             "refresh falls refresh_phase x tREFI after it (0.5 = the expected phase)")
    logic_node_nm: float | None = Field(
        default=None, gt=0, description="technology node of the units' logic (the DRAM process) in nm; unset = "
                                        "tech_node_nm (a host on another process sets it)")
    lane_mac_pj: float | None = Field(
        default=None, gt=0, description="published energy of one lane MAC in pJ; unset = hwsim's tech model for "
                                        "the lane format at tech_node_nm")
    internal_pj_per_bit: float = Field(
        ge=0, description="energy per bit a unit reads from or writes to its bank (activation/precharge amortised "
                          "+ cell access); cite it")
    unit_area_um2: float | None = Field(
        default=None, gt=0, description="published area of one PIM unit in um^2; unset = lanes x the tech model's "
                                        "MAC area + register bits")


class AcceleratorSpec(_Strict):
    name: str = Field(description="short name, used in results")
    source: str = Field(description="where the numbers come from")
    clock_mhz: float = Field(gt=0, description="clock frequency in MHz")
    tech_node_nm: float = Field(gt=0, description="technology node in nm (5-130)")
    supply_voltage_v: float | None = Field(
        default=None, gt=0, description="logic supply voltage in V; unset = 0.9 V, the calibration point")
    compute: ComputeSpec
    vector: VectorSpec
    buffers: BuffersSpec
    dram: DramSpec
    pim: PimSpec | None = Field(default=None, description="processing-in-memory units (compute.kind 'pim')")
    default_precision: DefaultPrecisionSpec
    area_overhead_fraction: float = Field(
        ge=0, description="control, interconnect and I/O area as a fraction of the other parts' area "
                          "(PE array, converters, vector unit, SRAMs)")
    mapping: Literal["scalesim", "auto", "bitmod"] = Field(
        default="auto", description="loop order and tiling: 'scalesim' = SCALE-Sim's fixed order and counts "
                                    "(exact, for validation and .cfg inputs); 'auto' = hwsim's mapper; 'bitmod' = "
                                    "BitMoD's simulator (tiles of rows x cols x dot-product width, whole-matrix "
                                    "refetch, layer cycles = max(compute, DRAM))")
    mapping_objective: Literal["latency", "energy", "edp"] = Field(
        default="edp", description="what mapping 'auto' minimises per layer: latency, energy or their product")

    @model_validator(mode="after")
    def _pim_complete(self):
        if self.compute.kind == "pim" and (self.pim is None or self.dram.standard is None):
            raise ValueError("compute.kind 'pim' needs a pim section and dram.standard (allowed: add them, or "
                             "compute.kind systolic | roofline)")
        if self.pim is not None and self.compute.kind != "pim":
            raise ValueError("a pim section needs compute.kind: pim (allowed: set compute.kind: pim, or drop the "
                             "pim section)")
        return self
