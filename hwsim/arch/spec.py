"""The accelerator spec: a validated, typed description of the hardware (gem5-style fields:
a unit in the name, a description, and a default only where the default is a convention).

Unknown keys are rejected. Every preset in accelerators/ cites the source of its numbers in
``source`` and in comments.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, field_validator, model_validator

from hwsim.memory.dram import MAX_BANDWIDTH_GB_S
from hwsim.pe import PE_TYPES
from hwsim.pe.mac_spec import ConversionSpec  # noqa: F401  (re-exported: the MAC section's conversions)
from hwsim.pe.spec_base import FieldRange, FormatName, Refused, each_once, why
from hwsim.pe.spec_base import Strict as _Strict
from hwsim.tech import limits

# the three buffers of a design, in the order every (3, P) array of a design batch keeps them
BUFFER_ROLES = ("ifmap", "filter", "ofmap")

# ``compute.pe``: one section per PE type, chosen by its ``type`` (hwsim/pe/<type>_spec.py); a
# key of another PE type is an unknown key of this one.
PESpec = Annotated[Union[tuple(PE_TYPES.values())], Field(discriminator="type")]

_EDGE_WHY = (f"at most {limits.MAX_ARRAY_EDGE:,} PEs along an edge: a row of the smallest PE (one flip-flop at 5 nm) "
             "that long is wider than a 300 mm wafer (hwsim/tech/limits.py)")
_UNITS_WHY = (f"at most {limits.MAX_UNITS:,}: a 300 mm wafer of the smallest unit (one flip-flop at 5 nm; "
              "hwsim/tech/limits.py)")


# what a real software stack reaches of a roofline's roofs: fields of ComputeSpec (and array keys
# of the same names, hwsim/arch/design.py) that only compute.kind roofline reads
ROOFLINE_FRACTIONS = ("achievable_compute_fraction", "achievable_bandwidth_fraction")
ROOFLINE_FRACTIONS_WHERE = "1.0 (unset) unless compute.kind is roofline, or pim with pim.host roofline"


def reads_roofline_fractions(spec) -> bool:
    """A roofline reads the fractions: compute.kind roofline, or a PIM design whose host (what runs
    what is not offloaded) is one (AttAcc's GPU)."""
    return spec.compute.kind == "roofline" or (spec.compute.kind == "pim" and spec.pim is not None
                                               and spec.pim.host == "roofline")


_SPAD_WHY = "a PE scratchpad is PE-local storage: at most a 64 KiB register file of 16-bit words per PE (assumption, far above any published RS PE's 0.5 KiB)"


class RowStationarySpec(_Strict):
    """The PE-local scratchpads of the row-stationary dataflow (compute.dataflow rs; Chen et al.,
    ISCA 2016 Sec. IV; docs/models/row-stationary.md). Defaults: Eyeriss's (JSSC 52(1) 2017, Sec. III-A:
    filter 224 x 16 b, ifmap 12 x 16 b, psum 24 x 16 b per PE)."""

    filter_spad_words: int = Field(default=224, gt=0, le=32768, json_schema_extra=why(_SPAD_WHY),
                                   description="filter weights a PE holds (its p filters x q channels x one "
                                               "filter row; Eyeriss: 224)")
    ifmap_spad_words: int = Field(default=12, gt=0, le=32768, json_schema_extra=why(_SPAD_WHY),
                                  description="input activations a PE holds (a sliding window of q channels x one "
                                              "filter row's width; Eyeriss: 12)")
    psum_spad_words: int = Field(default=24, gt=0, le=32768, json_schema_extra=why(_SPAD_WHY),
                                 description="partial sums a PE holds (one per filter it runs at once, p; "
                                             "Eyeriss: 24)")
    spad_access_mac_fraction: float = Field(
        default=1.0, ge=0, le=10, json_schema_extra=why("a register-file access costs less than ten MACs (ISCA 2016 "
                                                        "Table IV: 1x; a global buffer access is 6x)"),
        description="energy of one scratchpad access as a fraction of one MAC at the layer's precision (Eyeriss: "
                    "1.0, Chen et al. ISCA 2016 Table IV, 65 nm: a register-file access costs one MAC)")


def row_stationary_spads(compute) -> tuple[int, int, int, float]:
    """(filter, ifmap, psum) scratchpad words and a pad access's energy as a fraction of a MAC's, of a
    compute section: its row_stationary section's,
    or the defaults (Eyeriss's) when it has none (a sweep may set compute.dataflow=rs on any array)."""
    rs = compute.row_stationary or RowStationarySpec()
    return rs.filter_spad_words, rs.ifmap_spad_words, rs.psum_spad_words, rs.spad_access_mac_fraction


class ComputeSpec(_Strict):
    kind: Literal["systolic", "pim", "roofline"] = Field(
        default="systolic", description="compute fabric: 'systolic' MAC array; 'pim' = MAC units in the DRAM banks "
                                        "(section pim) take the layers pim.offload names, the systolic array below "
                                        "is the host's for the rest; 'roofline' = a GPU-like device, rows x cols "
                                        "MACs per cycle at peak and compulsory DRAM traffic, whichever is slower")
    rows: int = Field(gt=0, le=limits.MAX_ARRAY_EDGE, json_schema_extra=why(_EDGE_WHY),
                      description="systolic array rows (PEs)")
    cols: int = Field(gt=0, le=limits.MAX_ARRAY_EDGE, json_schema_extra=why(_EDGE_WHY),
                      description="systolic array columns (PEs)")
    dataflow: Literal["os", "ws", "is", "rs"] = Field(
        description="output-, weight- or input-stationary (SCALE-Sim's), or row-stationary (Eyeriss's: 1-D "
                    "convolution rows in PE scratchpads, partial sums accumulated in the array; mapping auto)")
    pe: PESpec
    row_stationary: RowStationarySpec | None = Field(
        default=None, description="the PE scratchpads dataflow rs uses (unset: Eyeriss's 224/12/24 words); read only "
                                  "when the dataflow is rs, and kept with another so that --set or a sweep can "
                                  "switch a preset's dataflow")
    idle_pe_energy_fraction: float = Field(
        default=0.0, ge=0, le=1, json_schema_extra=why("a fraction of a busy PE-cycle's energy"), description="energy a PE spends in a compute cycle in which it has no product to "
                                             "compute (partial folds, short GEMMs), as a fraction of a busy PE-cycle: "
                                             "0 = idle PEs clock-gated, 1 = no gating, every PE pays its full "
                                             "per-cycle energy every compute cycle (BitMoD's simulator)")
    achievable_compute_fraction: float = Field(
        default=1.0, gt=0, le=1, json_schema_extra=why("a fraction of the peak"),
        description="compute.kind roofline only: the fraction of peak MACs per cycle a real software stack "
                    "reaches (default 1: the roofline; docs/model-assumptions.md lists measured fractions)")
    achievable_bandwidth_fraction: float = Field(
        default=1.0, gt=0, le=1, json_schema_extra=why("a fraction of the DRAM's bandwidth"),
        description="compute.kind roofline only: the fraction of dram.bandwidth_gb_s a real software stack "
                    "sustains (default 1: the roofline; docs/model-assumptions.md lists measured fractions)")


class VectorSpec(_Strict):
    lanes: int = Field(gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_UNITS_WHY),
                       description="element operations the vector unit completes per cycle")


_BANK_WHY = "every bank holds at least one bit (derived: a bank is a separate array of cells)"


_SRAM_WHY = (f"at most {limits.MAX_SRAM_KIB:,} KiB ({limits.MAX_SRAM_KIB * 8192:,} bits): a 300 mm wafer of TSMC N5 "
             "bit cells (0.021 um^2, IEDM 2019; hwsim/tech/limits.py)")


def buffer_fits(size_kib, banks):
    """No more banks than bits (works on numbers and numpy arrays)."""
    return banks <= size_kib * 8192


def port_fits(size_kib, port_width_bits):
    """No access wider than the buffer (derived: a port is at most the whole array; numbers and
    numpy arrays alike)."""
    return port_width_bits <= size_kib * 8192


class BufferSpec(_Strict):
    size_kib: float = Field(gt=0, le=limits.MAX_SRAM_KIB, json_schema_extra=why(_SRAM_WHY),
                            description="capacity in KiB (1 KiB = 8192 bits)")
    banks: int = Field(default=1, gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_BANK_WHY),
                       description="independent banks; an access touches one")
    port_width_bits: int = Field(gt=0, le=int(limits.MAX_SRAM_KIB) * 8192, json_schema_extra=why(_SRAM_WHY),
                                 description="bits per access")
    read_pj_per_access: float | None = Field(
        default=None, ge=limits.LANDAUER_PJ, json_schema_extra=why(limits.LANDAUER_WHY),
        description="published energy of one read of port_width_bits, in pJ (e.g. CACTI's; "
                    "replaces hwsim's SRAM energy model for reads; not node-scaled; cite it)")
    write_pj_per_access: float | None = Field(
        default=None, ge=limits.LANDAUER_PJ, json_schema_extra=why(limits.LANDAUER_WHY),
        description="published energy of one write of write_access_bits, in pJ (replaces "
                    "hwsim's SRAM energy model for writes; not node-scaled; cite it)")
    write_access_bits: int | None = Field(
        default=None, gt=0, description="bits per write access for write_pj_per_access (CACTI's minimum write "
                                        "granularity); unset = port_width_bits")

    @model_validator(mode="after")
    def _physical(self):
        bits = self.size_kib * 8192
        if not buffer_fits(self.size_kib, self.banks):
            raise Refused(f"{self.banks} banks are more than the buffer's {bits:g} bits", field="banks",
                          allowed=f"at most size_kib x 8192 = {math.floor(bits)} ({_BANK_WHY})")
        if not port_fits(self.size_kib, self.port_width_bits):   # an access would read bits the buffer lacks
            raise Refused(f"{self.port_width_bits} bits is more than the buffer holds ({bits:g})",
                          field="port_width_bits", allowed=f"1..{math.floor(bits)} (size_kib x 8192)")
        if self.write_access_bits is not None and self.write_pj_per_access is None:
            # it sizes the published write cost only: the SRAM model prices writes per bit of the port
            raise Refused("write_access_bits is read only with write_pj_per_access", field="write_access_bits",
                          allowed="unset, or with write_pj_per_access (the published cost of one such write)")
        if self.write_access_bits is not None and self.write_access_bits > bits:
            raise Refused(f"{self.write_access_bits} bits is more than the buffer holds ({bits:g})",
                          field="write_access_bits", allowed=f"1..{bits:g}")
        for name, per, width in (("read_pj_per_access", self.read_pj_per_access, self.port_width_bits),
                                 ("write_pj_per_access", self.write_pj_per_access,
                                  self.write_access_bits or self.port_width_bits)):
            if per is not None and per > width * limits.MAX_DRAM_PJ_PER_BIT:
                raise Refused(f"{per:g} pJ for {width} bits is more than {limits.MAX_DRAM_PJ_PER_BIT:g} pJ per bit",
                              field=name, allowed=f"at most {width * limits.MAX_DRAM_PJ_PER_BIT:g} pJ: an on-chip bit "
                                                  "costs no more than an off-chip DRAM bit (Horowitz ISSCC 2014; "
                                                  "hwsim/tech/limits.py)")
        return self


class BuffersSpec(_Strict):
    ifmap: BufferSpec = Field(description="input-activation buffer (SCALE-Sim's ifmap SRAM)")
    filter: BufferSpec = Field(description="weight buffer (SCALE-Sim's filter SRAM)")
    ofmap: BufferSpec = Field(description="output / partial-sum buffer (SCALE-Sim's ofmap SRAM)")
    double_buffered: bool = Field(default=True, description="half of each buffer prefetches the next tile; "
                                                             "false: every load is exposed")
    activation_compression: Literal["none", "rlc"] = Field(
        default="none", description="activations cross DRAM run-length compressed ('rlc': Eyeriss's format, "
                                    "by each layer's activation_density in the trace; docs/models/row-stationary.md) "
                                    "or as they are ('none')")
    assumed_activation_density: float | None = Field(
        default=None, gt=0, le=1, json_schema_extra=why("a fraction of nonzero activations"),
        description="activation compression only: the fraction of nonzeros assumed for a layer's input that the "
                    "previous layer produced, where the trace states no activation_density (unset: dense; the "
                    "network's own input is always dense)")
    shared_ifmap_ofmap: bool = Field(
        default=False, description="the ifmap and ofmap buffers are one SRAM (Eyeriss's global buffer) whose split "
                                   "the mapper sets per layer: tiles may use any split of their joint capacity "
                                   "(mapping auto; SCALE-Sim's order keeps the sizes as given)")
    keep_activations: bool = Field(
        default=False, description="a layer's output stays in the ifmap buffer for the next layer when the "
                                   "buffer holds the layer's input and output at once (a unified activation "
                                   "buffer, TPU v1's): no DRAM round trip (docs/model-assumptions.md)")
    sram_cell: Literal["hp", "lop"] = Field(
        default="lop", description="SRAM cell/periphery flavour for leakage: CACTI itrs-hp or itrs-lop "
                                   "(hwsim/memory/sram.py has the sources)")
    psum_bits: int | None = Field(
        default=None, gt=0, le=64, json_schema_extra=why("no PE accumulator here is wider than 64 bits"),
        description="bits a partial sum is stored and moved with outside the PEs (ofmap buffer, DRAM spills); "
                    "unset = the accumulator's width; narrower = the chip rounds partial sums between passes "
                    "(Eyeriss: 16)")


# the slowest memory interface an accelerator reads weights from: a single-bit SPI flash at 50 MHz
# moves 6.25 MB/s; 1 MB/s is below it (and keeps any layer's cycles countable)
MIN_BANDWIDTH_GB_S = 1e-3
BANDWIDTH_WHY = (f"{MIN_BANDWIDTH_GB_S:g} to {MAX_BANDWIDTH_GB_S:g} GB/s without a named dram.standard: from "
                 "below a 1-bit SPI flash (6.25 MB/s) to 8 stacks of JEDEC HBM4 (2 TB/s each; "
                 "hwsim/memory/dram.py); with one, up to the standard's peak over its channels")


# A bandwidth is a number within BANDWIDTH_WHY's range, or 'unlimited' (SCALE-Sim's CALC).
BANDWIDTH_RANGE = FieldRange(low=MIN_BANDWIDTH_GB_S, high=MAX_BANDWIDTH_GB_S, reason=BANDWIDTH_WHY)


def _bandwidth(value):
    if value != "unlimited" and not (value > 0 and math.isfinite(value)):
        raise ValueError("must be a positive finite number or 'unlimited'")
    if value != "unlimited" and value < MIN_BANDWIDTH_GB_S:
        raise Refused(f"{value:g} GB/s is slower than any memory interface", allowed=BANDWIDTH_WHY)
    if value != "unlimited" and not BANDWIDTH_RANGE.ok(value):
        raise Refused(f"{value:g} GB/s is more than any DRAM system delivers", allowed=BANDWIDTH_WHY)
    return value


Bandwidth = Annotated[Union[float, Literal["unlimited"]], AfterValidator(_bandwidth)]


class OperandBandwidthSpec(_Strict):
    ifmap: Bandwidth = Field(description="input-activation channel, GB/s")
    filter: Bandwidth = Field(description="weight channel, GB/s")
    ofmap: Bandwidth = Field(description="output channel, GB/s")


_DRAM_PJ_WHY = ("at most 100 pJ/bit: Horowitz (ISSCC 2014) gives 20-41 pJ/bit for a DRAM access "
                "(hwsim/tech/limits.py)")


def dram_bandwidth_ceiling_gb_s(standard: str | None, channels: int | None) -> float:
    """The most a DRAM system delivers: the named standard's peak over ``channels`` (its own
    count when None), else BANDWIDTH_WHY's ceiling."""
    if standard is None:
        return MAX_BANDWIDTH_GB_S
    from hwsim.memory.dram import dram_preset

    timing = dram_preset(standard)
    return timing.max_bandwidth_gb_s(channels or timing.channels)


# Capacity ceiling: a two-socket server's DDR5 maximum, 2 sockets x 12 channels x 2 DIMMs x 256 GB
# = 12 TB (AMD EPYC 9004), rounded up to 16 TiB.
MAX_DRAM_CAPACITY_GIB = 16384.0
_CAPACITY_WHY = ("at most 16 TiB: more than a two-socket server's DDR5 maximum (2 x 12 channels x 2 DIMMs x "
                 "256 GB = 12 TB, AMD EPYC 9004)")


class DramSpec(_Strict):
    bandwidth_gb_s: Bandwidth | None = Field(
        default=None, description="off-chip bandwidth in GB/s (1e9 bytes/s), independent of the core clock; "
                                  "'unlimited' = SCALE-Sim's CALC mode (no stalls); unset = channels x the "
                                  "standard's per-channel peak (needs dram.standard)")
    standard: str | None = Field(
        default=None, description="DRAM organisation, timing and interface costs (hwsim.memory.dram.DRAM_PRESETS: "
                                  "ddr4, lpddr5, gddr6, gddr6-aim, hbm2, hbm2-pim, hbm3, hbm3-attacc); required by "
                                  "compute.kind 'pim'; with it, the accelerator die carries the channels' PHYs "
                                  "(area part dram_phy, static power) and the DRAM a capacity")
    channels: int | None = Field(
        default=None, gt=0, description="(pseudo-)channels of the device or system; unset = the fewest that deliver "
                                        "bandwidth_gb_s, or the standard's own count when that is unset or "
                                        "'unlimited'; at most the standard's max_channels (hwsim/memory/dram.py)")
    energy_pj_per_bit: float | None = Field(
        default=None, ge=0, le=limits.MAX_DRAM_PJ_PER_BIT, json_schema_extra=why(_DRAM_PJ_WHY),
        description="energy per bit read or written off-chip; unset = the standard's figure (needs dram.standard; "
                    "hwsim/memory/dram.py cites each)")
    capacity_gib: float | None = Field(
        default=None, gt=0, le=MAX_DRAM_CAPACITY_GIB, json_schema_extra=why(_CAPACITY_WHY),
        description="DRAM capacity in GiB (2^30 bytes) that weights, KV cache and activations must fit in; unset = "
                    "channels x the standard's capacity per channel (its dies' JEDEC density), or no capacity "
                    "checked without a standard")
    operand_bandwidth_gb_s: OperandBandwidthSpec | None = Field(
        default=None, description="SCALE-Sim's separate ifmap/filter/ofmap channels (mapping 'scalesim'); "
                                  "unset = one shared channel of bandwidth_gb_s")

    @field_validator("standard")
    @classmethod
    def _known_standard(cls, value):
        from hwsim.memory.dram import DRAM_PRESETS

        if value is not None and value not in DRAM_PRESETS:
            raise Refused(f"'{value}' is not a DRAM standard", allowed=", ".join(DRAM_PRESETS))
        return value

    @model_validator(mode="after")
    def _bandwidth_known(self):
        if self.bandwidth_gb_s is None and self.standard is None:
            raise ValueError("bandwidth_gb_s is required unless dram.standard is set (then it is derived)")
        if self.energy_pj_per_bit is None and self.standard is None:
            raise Refused("no energy per bit, and no dram.standard to take it from", field="energy_pj_per_bit",
                          allowed="a number of pJ/bit, or a dram.standard (its figure is the default)")
        if self.channels is not None and self.standard is None:
            raise Refused("channels counts a DRAM standard's channels, and no dram.standard is named",
                          field="channels", allowed="dram.standard with dram.channels, or dram.bandwidth_gb_s alone")
        timing = self.timing
        if timing is not None and "unlimited" in (self.bandwidth_gb_s, *(
                (getattr(self.operand_bandwidth_gb_s, r) for r in ("ifmap", "filter", "ofmap"))
                if self.operand_bandwidth_gb_s is not None else ())):
            # a named standard delivers its channels' peak; 'unlimited' (SCALE-Sim's CALC) contradicts it
            raise Refused(f"unlimited bandwidth from {self.channel_count} {timing.name} channels",
                          field="bandwidth_gb_s", allowed=f"up to {dram_bandwidth_ceiling_gb_s(self.standard, self.channel_count):g} "
                                                          "GB/s, or 'unlimited' without a dram.standard")
        if timing is not None:
            wanted = self.bandwidth_gb_s
            if self.channels is None and wanted not in (None, "unlimited") and timing.max_channels is not None \
                    and self.channel_count > timing.max_channels:
                ceiling = timing.max_bandwidth_gb_s(timing.max_channels)
                raise Refused(f"{wanted:g} GB/s is more than {timing.max_channels} {timing.name} channels deliver",
                              field="bandwidth_gb_s", allowed=f"up to {ceiling:g} GB/s ({timing.max_channels} x "
                                                              f"{timing.peak_channel_gb_s:g} GB/s, the most shipped "
                                                              "parts attach; hwsim/memory/dram.py)")
            if timing.max_channels is not None and self.channel_count > timing.max_channels:
                raise Refused(f"{self.channel_count} {timing.name} channels are more than one accelerator attaches",
                              field="channels", allowed=f"1..{timing.max_channels} (the most shipped parts attach, "
                                                        "hwsim/memory/dram.py)")
            ceiling = dram_bandwidth_ceiling_gb_s(self.standard, self.channel_count)
            for name, value in (("bandwidth_gb_s", self.bandwidth_gb_s), *(
                    (f"operand_bandwidth_gb_s.{r}", getattr(self.operand_bandwidth_gb_s, r))
                    for r in ("ifmap", "filter", "ofmap") if self.operand_bandwidth_gb_s is not None)):
                if value not in (None, "unlimited") and value > ceiling:
                    raise Refused(f"{value:g} GB/s is more than {self.channel_count} {timing.name} channels deliver",
                                  field=name, allowed=f"up to {ceiling:g} GB/s ({self.channel_count} x "
                                                      f"{timing.peak_channel_gb_s:g} GB/s, the standard's peak)")
        return self

    @property
    def timing(self):
        """The standard's organisation and timing (None without a standard)."""
        from hwsim.memory.dram import dram_preset

        return None if self.standard is None else dram_preset(self.standard)

    @property
    def channel_count(self) -> int | None:
        """Channels attached: dram.channels; unset, the fewest that deliver bandwidth_gb_s (derived:
        ceil(bandwidth / per-channel peak)), or the standard's own count without a finite bandwidth."""
        timing = self.timing
        if timing is None:
            return None
        if self.channels is not None:
            return self.channels
        if self.bandwidth_gb_s in (None, "unlimited"):
            return timing.channels
        from hwsim.memory.dram import channels_for_bandwidth

        return max(1, int(channels_for_bandwidth(timing, self.bandwidth_gb_s)))

    @property
    def bandwidth(self) -> float:
        """GB/s; infinite for 'unlimited'; derived: channels x per-channel peak when unset."""
        if self.bandwidth_gb_s is None:
            return self.channel_count * self.timing.channel_gb_s
        return math.inf if self.bandwidth_gb_s == "unlimited" else float(self.bandwidth_gb_s)

    @property
    def energy(self) -> float:
        """pJ per bit: energy_pj_per_bit, or the standard's figure when unset."""
        return self.energy_pj_per_bit if self.energy_pj_per_bit is not None else self.timing.cost.energy_pj_per_bit

    @property
    def capacity_bits(self) -> float:
        """Bits the DRAM holds: capacity_gib x 2^33; unset, channels x the standard's bits per channel;
        infinite (nothing to check) with neither."""
        if self.capacity_gib is not None:
            return self.capacity_gib * 2.0 ** 33
        if self.timing is None:
            return math.inf
        return float(self.channel_count * self.timing.capacity_bits_per_channel)


# The engine counts cycles, bits and MACs in float64: beyond 2^53 an integer count is not exact.
MAX_COUNT = 2 ** 53
_COUNT_WHY = "at most 2^53: the engine counts in float64, exact for integers up to 2^53"


class DefaultPrecisionSpec(_Strict):
    weights: FormatName = Field(description="weight format for layers whose trace gives none")
    activations: FormatName = Field(description="activation format for layers whose trace gives none")
    outputs: FormatName = Field(description="output format for layers whose trace gives none")
    kv: FormatName | None = Field(default=None, description="KV-cache format; unset = the activation format")


class PimSpec(_Strict):
    """MAC units beside the DRAM banks (HBM-PIM, GDDR6-AiM style); numbers per unit unless named.
    Limits that need the DRAM standard (lanes per column, banks per channel, registers per row,
    cycles per refresh interval, the unit clock at its node) are checked in hwsim/arch/pim.py."""

    lanes_per_unit: int = Field(gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_UNITS_WHY),
                                description="MAC lanes per PIM unit in the first lane format (elements per step); "
                                            "at most a column's bits / the lane format's bits")
    lane_formats: list[FormatName] = Field(
        min_length=1, description="weight formats the lanes multiply natively (INT or FP elements, no block or "
                                  "group-scaled formats); the first sets lanes_per_unit, a narrower one packs "
                                  "lanes_per_unit x first bits / its bits lanes")
    _lane_formats_once = field_validator("lane_formats")(lambda cls, names: each_once(names))
    banks_per_unit: int = Field(
        gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_UNITS_WHY),
        description="banks one unit serves, streaming one at a time: 1 = a unit per bank (GDDR6-AiM, AttAcc "
                    "bank level); 2 = a bank pair, input tiles alternate even/odd banks (HBM-PIM); the banks "
                    "of a bank group (AttAcc bank-group level); all banks of a channel (buffer die)")
    host: Literal["systolic", "roofline"] = Field(
        default="systolic", description="the fabric of the host that runs what is not offloaded: the systolic "
                                        "array of compute, or compute as a roofline (a GPU host, e.g. AttAcc's)")
    unit_clock_mhz: float = Field(ge=limits.MIN_CLOCK_MHZ, json_schema_extra=why(limits.MIN_CLOCK_WHY),
        description="PIM unit clock in MHz (a lane finishes one MAC per cycle); at "
                                                    "most the logic node's fastest clock (hwsim/tech/limits.py)")
    column_period_ns: float | None = Field(
        default=None, gt=0, le=100, json_schema_extra=why(
            "at most 100 ns: twice any DRAM's row cycle (tRC ~ 45-50 ns, JEDEC DDR4/HBM2), beyond which a "
            "unit is no longer column-bound"),
        description="the units' own cadence between column MACs inside a bank, in ns (GDDR6-AiM: 1 ns, its 1 GHz "
                    "MAC clock reading the bank's 256-bit column directly); unset = the standard's tCCD, a "
                    "column command through the bank group's shared I/O")
    broadcast_period_ns: float | None = Field(
        default=None, gt=0, le=100, json_schema_extra=why(
            "at most 100 ns: twice any DRAM's row cycle (tRC ~ 45-50 ns, JEDEC DDR4/HBM2)"),
        description="the cadence of the input broadcast's writes into the units' input registers, in ns "
                    "(GDDR6-AiM: a global buffer beside the banks takes a burst per pin-rate burst, 1 ns at "
                    "16 Gb/s); unset = tCCD_L, writes into a bank group's registers")
    input_registers: int = Field(
        default=8, gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_UNITS_WHY),
        description="registers per unit holding the broadcast input vector, one burst each (HBM-PIM GRF_A); sets "
                    "the input chunk broadcast per tile; at most a row's columns")
    accumulator_registers: int = Field(
        default=8, gt=0, le=limits.MAX_UNITS, json_schema_extra=why(_UNITS_WHY),
        description="accumulator registers per unit, one output row's lane partial sums each (HBM-PIM GRF_B); "
                    "sets the output rows a unit works on per pass; at most a row's columns")
    gemv_order: Literal["outputs_outer", "inputs_outer"] = Field(
        default="outputs_outer",
        description="GEMV loop order: 'outputs_outer' keeps each output tile's partial sums in the units and "
                    "broadcasts every input tile again per output tile (PIMSimulator's GEMV); 'inputs_outer' "
                    "broadcasts each input tile once per channel into a buffer the units share and runs every "
                    "output tile on it, the units' partial sums read out and written back in the row gap between "
                    "two row streams (GDDR6-AiM: WR_GB once, then WR_BIAS, MAC_ABK, RD_MAC per row; CENT's "
                    "outer-product GEMV); needs banks_per_unit other than 2")
    reduced_output_bits: int | None = Field(
        default=None, gt=0, le=32, json_schema_extra=why("at most 32: the widest accumulator format hwsim has "
                                                         "(fp32, int32)"),
        description="bits of one output row's partial sum in a unit that sums its lanes in an adder tree, as "
                    "gemv_order 'inputs_outer' moves it out and back in (GDDR6-AiM: 16, a 16-bit MAC register "
                    "per bank, 16 banks in one 256-bit RD_MAC/WR_BIAS burst); unset = no adder tree, a unit's "
                    "lane partial sums (lanes x accumulator bits per output row); at most a burst's bits, at least "
                    "the widest lane format's")
    register_mode_switch_cycles: int = Field(
        default=0, ge=0, le=MAX_COUNT, json_schema_extra=why(_COUNT_WHY),
        description="DRAM cycles a channel needs to switch between its register accesses (the partial-sum "
                    "read-out and write-back of gemv_order 'inputs_outer') and bank commands, no command "
                    "issuing meanwhile; paid twice per row gap (GDDR6-AiM: 32, the AiM simulator's TMOD, "
                    "nMODCH); 0 = no switch; at most tREFI")
    offload: Literal["all", "gemv", "attention", "faster"] = Field(
        default="all", description="which layers run in memory: 'all' GEMM-like layers and add/mul/relu; 'gemv' "
                                   "GEMM-like layers with at most gemv_max_rows activation rows; 'attention' only "
                                   "the layers that read the KV cache; 'faster' each 'gemv' layer where it takes "
                                   "fewer cycles, in memory or on the host (both costed); the rest run on the host")
    gemv_max_rows: int = Field(default=1, gt=0, le=MAX_COUNT, json_schema_extra=why(_COUNT_WHY),
                               description="offload 'gemv': most activation rows (M) a layer may have to run in memory")
    kernel_setup_cycles: int = Field(
        ge=0, le=MAX_COUNT, json_schema_extra=why(_COUNT_WHY),
        description="DRAM cycles to enter and leave PIM mode once per kernel (park, mode switches, program load); "
                    "cite the command trace it comes from; at most tREFI")
    kernel_tail_cycles: int = Field(
        default=0, ge=0, le=MAX_COUNT, json_schema_extra=why(_COUNT_WHY),
        description="the last of kernel_setup_cycles (park-out): a refresh falling due in them no longer delays a "
                    "kernel that ends there (its commands are queued); at most kernel_setup_cycles")
    session_cycles: int = Field(
        ge=0, le=MAX_COUNT, json_schema_extra=why(_COUNT_WHY),
        description="DRAM cycles per PIM session (one per output tile and batch element of a GEMV, per input "
                    "tile with gemv_order inputs_outer, one per element-wise kernel): mode switch in and out, "
                    "accumulator write-back; at most tREFI")
    refresh_phase: float = Field(
        default=0.5, ge=0, lt=1, json_schema_extra=why("a phase within one refresh interval, in [0, 1)"),
        description="where a kernel starts in its refresh interval: the first all-bank refresh falls "
                    "refresh_phase x tREFI after it (0.5 = the expected phase)")
    logic_node_nm: float | None = Field(
        default=None, gt=0, description="technology node of the units' logic (the DRAM process) in nm; unset = "
                                        "tech_node_nm (a host on another process sets it); 5-130 nm")
    lane_mac_pj: float | None = Field(
        default=None, ge=limits.LANDAUER_PJ, le=limits.MAX_MAC_PJ, json_schema_extra=why(
            f"at least {limits.LANDAUER_TEXT}; at most {limits.MAX_MAC_PJ:.4g} pJ: an FP32 "
            "multiply-add (Horowitz ISSCC 2014) at 130 nm, 1.8 V (hwsim/tech/limits.py)"),
        description="published energy of one lane MAC in pJ; unset = hwsim's tech model for the lane format at "
                    "tech_node_nm")
    internal_pj_per_bit: float = Field(
        ge=0, le=limits.MAX_DRAM_PJ_PER_BIT, json_schema_extra=why(_DRAM_PJ_WHY),
        description="energy per bit a unit reads from or writes to its bank (activation/precharge amortised + cell "
                    "access); cite it")
    unit_area_um2: float | None = Field(
        default=None, ge=limits.SMALLEST_CELL_UM2, le=limits.RETICLE_UM2, json_schema_extra=why(
            f"one unit {limits.CELL_TO_RETICLE_TEXT}"),
        description="published area of one PIM unit in um^2; unset = lanes x the tech model's MAC area + register "
                    "bits")

    @model_validator(mode="after")
    def _tail_inside_setup(self):
        if self.kernel_tail_cycles > self.kernel_setup_cycles:
            raise Refused(f"{self.kernel_tail_cycles} tail cycles are more than the {self.kernel_setup_cycles} "
                          "setup cycles they are the last of", field="kernel_tail_cycles",
                          allowed=f"0..{self.kernel_setup_cycles}")
        return self

    @model_validator(mode="after")
    def _inputs_outer_one_bank_at_a_time(self):
        # a bank pair's input tiles alternate between its two banks, each tile's broadcast tied to the
        # other bank's row stream (outputs_outer); the inputs_outer program has no such pairing (derived)
        if self.gemv_order == "inputs_outer" and self.banks_per_unit == 2:
            raise Refused("gemv_order 'inputs_outer' is not modelled for units over a bank pair (their input "
                          "tiles alternate between the two banks)", field="gemv_order",
                          allowed="'outputs_outer', or banks_per_unit other than 2")
        return self


class AcceleratorSpec(_Strict):
    name: str = Field(min_length=1, description="short name, used in results")

    @field_validator("name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        from hwsim.inputs import name_problem

        problem = name_problem(name)
        if problem:   # the name is a column of every result row and a line of the table
            raise Refused(f"{problem}: not a design name", allowed="printable text on one line")
        return name

    source: str = Field(description="where the numbers come from")
    clock_mhz: float = Field(ge=limits.MIN_CLOCK_MHZ, json_schema_extra=why(limits.MIN_CLOCK_WHY),
        description="clock frequency in MHz; at most the node's fastest clock at the supply (hwsim/tech/limits.py)")
    tech_node_nm: float = Field(gt=0, description="technology node in nm (5-130)")
    supply_voltage_v: float | None = Field(
        default=None, gt=0, description="logic supply voltage in V; unset = the node's nominal supply "
                                        "(hwsim/tech/nodes.py nominal_vdd_v: 7 nm 0.7 V, 28-45 nm 0.9 V, 65 nm 1.1 V)")
    compute: ComputeSpec
    vector: VectorSpec
    buffers: BuffersSpec
    dram: DramSpec
    pim: PimSpec | None = Field(default=None, description="processing-in-memory units (compute.kind 'pim')")
    default_precision: DefaultPrecisionSpec
    area_overhead_fraction: float = Field(
        ge=0, le=limits.MAX_AREA_OVERHEAD_FRACTION, json_schema_extra=why(
            "at most 10x the priced parts (TPU v1's unpriced share is ~0.7, Jouppi et al. ISCA 2017; "
            "hwsim/tech/limits.py)"),
        description="control, interconnect and I/O area as a fraction of the other parts' area (PE array, "
                    "converters, vector unit, SRAMs)")
    idle_floor_w: float = Field(
        default=0.0, ge=0, le=limits.MAX_IDLE_FLOOR_W, json_schema_extra=why(limits.IDLE_FLOOR_WHY),
        description="static power beyond the modelled leakage, DRAM devices and PHYs, in W: clock tree, control, "
                    "host I/O a busy or idle chip draws (a measured idle power less hwsim's static power; "
                    "docs/model-assumptions.md); 0 = none")
    idle_floor_w_per_mm2: float = Field(
        default=0.0, ge=0, le=limits.MAX_IDLE_FLOOR_W_PER_MM2, json_schema_extra=why(limits.IDLE_FLOOR_DENSITY_WHY),
        description="the same floor per mm^2 of the design's area, in W/mm^2, added to idle_floor_w "
                    "(docs/model-assumptions.md gives a measured figure); 0 = none")
    mapping: Literal["scalesim", "auto", "bitmod"] = Field(
        default="auto", description="loop order and tiling: 'scalesim' = SCALE-Sim's fixed order and counts "
                                    "(exact, for validation and .cfg inputs); 'auto' = hwsim's mapper; 'bitmod' = "
                                    "BitMoD's simulator (tiles of rows x cols x dot-product width, whole-matrix "
                                    "refetch, layer cycles = max(compute, DRAM))")
    mapping_objective: Literal["latency", "energy", "edp"] = Field(
        default="edp", description="what mapping 'auto' minimises per layer: latency, energy or their product")

    @model_validator(mode="after")
    def _row_stationary_mapped(self):
        # SCALE-Sim and BitMoD's simulator have no row-stationary dataflow to reproduce
        if self.compute.dataflow == "rs" and self.mapping != "auto":
            raise Refused(f"compute.dataflow rs runs with mapping auto only (this is {self.mapping!r}: SCALE-Sim "
                          "and BitMoD have no row-stationary dataflow)", field="mapping",
                          allowed="auto with dataflow rs, or dataflow os | ws | is")
        return self

    @model_validator(mode="after")
    def _operand_channels_in_scalesim_order(self):
        # SCALE-Sim's USER mode times its three operand channels in its own loop order; the mapper
        # and BitMoD's rule time one DRAM bandwidth, so the channels would be ignored
        if self.dram.operand_bandwidth_gb_s is not None and self.mapping != "scalesim":
            raise Refused(f"dram.operand_bandwidth_gb_s is read by mapping scalesim only (this is {self.mapping!r})",
                          field="dram.operand_bandwidth_gb_s",
                          allowed="unset (one dram.bandwidth_gb_s), or mapping: scalesim (SCALE-Sim's USER mode)")
        return self

    @model_validator(mode="after")
    def _fractions_on_a_roofline(self):
        # a systolic array times its own transfers: a fraction there would be ignored
        if not reads_roofline_fractions(self):
            for name in ROOFLINE_FRACTIONS:
                if getattr(self.compute, name) != 1.0:
                    this = ("this PIM design's host is systolic" if self.compute.kind == "pim"
                            else f"this is compute.kind {self.compute.kind!r}")
                    raise Refused(f"{name} applies to a roofline only ({this})", field=f"compute.{name}",
                                  allowed=ROOFLINE_FRACTIONS_WHERE)
        return self

    @model_validator(mode="after")
    def _pim_complete(self):
        if self.compute.kind == "pim" and (self.pim is None or self.dram.standard is None):
            raise ValueError("compute.kind 'pim' needs a pim section and dram.standard (allowed: add them, or "
                             "compute.kind systolic | roofline)")
        if self.pim is not None and self.compute.kind != "pim":
            raise ValueError("a pim section needs compute.kind: pim (allowed: set compute.kind: pim, or drop the "
                             "pim section)")
        return self

    @model_validator(mode="after")
    def _clock_within_node(self):
        from hwsim.errors import HwsimInputError
        from hwsim.tech.nodes import tech_point

        try:
            tech = tech_point(self.tech_node_nm, self.supply_voltage_v)
        except HwsimInputError:
            return self  # the node or supply itself is refused, naming its field (hwsim.arch.accelerator)
        fastest = limits.max_clock_mhz(tech)
        if self.clock_mhz > fastest:
            raise Refused(f"{self.clock_mhz:g} MHz is faster than {tech.node_nm:g} nm logic runs at "
                          f"{tech.vdd_v:g} V", field="clock_mhz",
                          allowed=f"at most {fastest:.0f} MHz: {limits.CLOCK_LIMIT_TEXT}")
        return self
