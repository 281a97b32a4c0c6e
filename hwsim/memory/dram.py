"""DRAM organisation and timing sets, for the DRAM-side fabrics (PIM) and DRAM-aware timing.

Timing parameters are in clock cycles of ``tck_ns`` (JEDEC convention); a value a source gives in ns
is converted with ceil(ns / tCK) (``_ck``). ``channels`` counts (pseudo-)channels per stack or
device, ``columns`` column commands (bursts) per row. The shared reference table
../shared/reference/tech/dram_timing.csv collects the simulator-derived rows. Presets and sources:

* ``hbm2-pim``: Samsung PIMSimulator ini/HBM2_samsung_2M_16B_x64.ini (CSV row HBM2_PIM): HBM2 with
  PIM, 16 banks in 4 bank groups, 16K rows of 128 x 64-bit columns, BL4 on a x64 pseudo-channel,
  2 Gbps/pin; 64 pseudo-channels per system_hbm_64ch.ini (4 stacks).
* ``hbm2``: the same HBM2 device (its timing is plain JEDEC HBM2, pseudo-channel mode) as one
  stack: 16 pseudo-channels (PIMSimulator README: "4 pseudo channel per die, 4 die per stack";
  system_hbm.ini NUM_CHANS=16).
* ``hbm3``: JESD238 HBM3 at its top rate, 6.4 Gbps/pin, timing preset HBM3_6.4Gbps of AttAcc's
  scale-snu/attacc_simulator pim_ramulator_src/HBM3-PIM.cpp (c1540de; ns values of DRAMsim3's HBM2
  scaled to the clock), organisation HBM3_8Gb_2R of the same file (after JESD238A): x32
  pseudo-channels, BL8, 4 transfers per tCK, 2 pseudo-channels x 16 channels, 2 SIDs x 4 bank
  groups x 4 banks, 16K rows of 32 bursts (1 KB).
* ``hbm3-attacc``: AttAcc's evaluated stack (CSV row HBM3_5.2Gbps; HBM3_base.yaml: HBM3_8Gb_2R,
  channel 16, HBM3_5.2Gbps): the hbm3 organisation at 5.2 Gbps/pin.
* ``gddr6``: CSV row GDDR6_8Gb_x16 (NeuPIMs extern/NewtonSim configs/GDDR6_8Gb_x16.ini, identical
  to hplp/DRAMsim3 configs/GDDR6_8Gb_x16.ini) for timing; organisation JESD250 Table 19 as
  CMU-SAFARI/ramulator2 src/dram/impl/GDDR6.cpp org preset GDDR6_8Gb_x16: 2 x16 channels per die,
  4 bank groups x 4 banks, 16K rows of 1K x16 columns (2 KB = 64 BL16 bursts).
* ``gddr6-aim``: CSV row GDDR6_AiM = preset GDDR6_2000_1350mV_double of the SK hynix AiM simulator
  (arkhadem/aim_simulator src/dram/impl/GDDR6.cpp, c2f8ab6); organisation its GDDR6_8Gb_x16 preset
  (as gddr6). Its tCK 570 ps is the CK of 14 Gbps GDDR6 (8 transfers per CK: 1.75 GHz).
* ``lpddr5``: LPDDR5-6400 x16 die in bank-group mode with BL16, gem5
  src/python/gem5/components/memory/dram_interfaces/lpddr5.py LPDDR5_6400_1x16_BG_BL16 (ns values
  "based on initial JEDEC specification", tCK 1.25 ns = 800 MHz CK, 8 transfers per CK); rows and
  columns from ramulator2 src/dram/impl/LPDDR5.cpp org preset LPDDR5_8Gb_x16 (32K rows of 1K x16).
* ``ddr4``: one 64-bit DDR4-3200 channel (a rank of eight x8 8 Gb dies), umd-memsys/DRAMsim3
  configs/DDR4_8Gb_x8_3200.ini (0eb6360): timing in its tCK, organisation 4 bank groups x 4 banks,
  64K rows of 1K x8 columns per die, BL8; currents per die x 8 dies.

What an interface costs (``InterfaceCost``, one per standard, sources at ``_COSTS``): energy per
bit of a DRAM access, the accelerator-side PHY's area per channel and its power per bit of
provisioned rate. Capacity per channel is the organisation's (``capacity_bits_per_channel``: the
JEDEC densities of the dies above).
"""

from __future__ import annotations

import functools

import math
from dataclasses import dataclass, replace

import numpy as np

from hwsim.errors import HwsimInputError


@dataclass(frozen=True)
class InterfaceCost:
    """What one DRAM standard's interface costs. The energy per bit is a whole DRAM access as its
    source measures it (cells, the DRAM's data path and the channel I/O); the PHY is the
    accelerator-side interface circuit, on the accelerator die: its area per data pin, and its
    energy per bit at the rate it is clocked (times the provisioned rate, its power). PHYs do not
    shrink with the logic node (pads, bumps and analog: LLMCompass cost_model.py, 'memory
    controllers scale with process node, but PHYs do not'), so neither figure is node-scaled."""

    family: str
    energy_pj_per_bit: float
    energy_source: str
    phy_area_mm2_per_dq: float
    phy_area_source: str
    phy_pj_per_bit: float
    phy_power_source: str


# PHY areas measured on die shots, LLMCompass (PrincetonUniversity/LLMCompass, Zhang et al. ISCA
# 2024) cost_model/cost_model.py: an HBM2E PHY is 10.45 mm^2 per 1024-bit stack interface, a DDR5
# PHY 1.45 mm^2 per 32-bit channel.
_LLMCOMPASS = "LLMCompass (Zhang et al., ISCA 2024) cost_model/cost_model.py, die-shot PHY areas"
_HBM_PHY_MM2_PER_DQ = 10.45 / 1024          # hbm2e_phy_mm2_per_link_unit / 1024 DQ
_DDR_PHY_MM2_PER_DQ = 1.45 / 32             # ddr5_phy_mm2_per_link_unit / 32 DQ
# GDDR6: no die-shot figure in the sources. Synopsys (G. Allan, Semiconductor Engineering "DRAM
# Tradeoffs: Speed vs. Energy", 2019): HBM2E gives 60+ GB/s per mm of die edge, GDDR6 about a sixth
# of it. Derived, at equal PHY depth (area follows die edge): GDDR6's area per GB/s = 6 x HBM2E's =
# 6 x 10.45 mm^2 / 409.6 GB/s (a 1024-bit stack at JESD235C's 3.2 Gb/s); per pin at GDDR6's
# 16 Gb/s (2 GB/s per pin): 6 x 10.45 / 409.6 x 2 = 0.3062 mm^2.
_GDDR6_PHY_MM2_PER_DQ = 6 * 10.45 / (1024 * 3.2 / 8) * (16 / 8)
# A host memory PHY's energy per bit: a 40 nm single-ended memory interface that runs GDDR5 at
# 12.8 Gb/s and DDR3 with the same circuits (Rambus; Amirkhany et al., "A 12.8-Gb/s/link tri-modal
# single-ended memory interface for graphics applications"): better than 5.0 mW/Gbps per link.
_RAMBUS_SE = ("Amirkhany et al. (Rambus), a 12.8 Gb/s/link tri-modal single-ended GDDR5/DDR3 memory interface, "
              "40 nm: better than 5.0 mW/Gbps per data link")

_COSTS: dict[str, InterfaceCost] = {
    "ddr4": InterfaceCost(
        "DDR4", 20.3, "Horowitz ISSCC 2014: a DRAM access 1.3 nJ per 64 bits (low end) / 64, the DDR-class "
        "figure the DDR presets use; no DDR4-specific per-bit figure in the sources",
        _DDR_PHY_MM2_PER_DQ, _LLMCOMPASS + ": DDR5 1.45 mm^2 per 32 DQ, per pin (DDR4 and DDR5 share combo PHYs)",
        5.0, _RAMBUS_SE),
    "lpddr5": InterfaceCost(
        "LPDDR5", 8.0, "Accelergy accelergy-cacti-plug-in cacti_wrapper.py DRAM table: LPDDR4 8 pJ/bit ('public "
        "data'); no LPDDR5 figure in the sources, so LPDDR4's (an upper bound: LPDDR5's VDDQ is 0.5 V, not 0.6 V)",
        _DDR_PHY_MM2_PER_DQ, _LLMCOMPASS + ": DDR5 1.45 mm^2 per 32 DQ, per pin (DDR5/LPDDR5 combo PHYs)",
        (5.68 + 1.83) / 2, "Kim et al., IEEE TCAS-II 65(12) 2018: a 4266 Mb/s/pin LPDDR4 controller interface, "
        "65 nm, 5.68 pJ/bit writing and 1.83 pJ/bit reading; derived: their mean"),
    "gddr6": InterfaceCost(
        "GDDR6", 7.5, "Micron GDDR6X introduction (2020), memory comparison table: average device power 7.5 "
        "pJ/bit for GDDR6 (7.25 GDDR6X, 6.0 HBM2E; as reproduced at kylolab.com/ultra-bandwidth-solutions)",
        _GDDR6_PHY_MM2_PER_DQ, "derived: Synopsys' die-edge bandwidth (GDDR6 ~1/6 of HBM2E's 60+ GB/s per mm; "
        "Semiconductor Engineering 2019) x " + _LLMCOMPASS + " HBM2E 10.45 mm^2 per 409.6 GB/s stack, at 16 Gb/s",
        5.0, _RAMBUS_SE),
    "hbm2": InterfaceCost(
        "HBM2", 3.9, "O'Connor et al., Fine-Grained DRAM, MICRO 2017: HBM2 3.9 pJ/bit (as tabulated in Accelergy's "
        "accelergy-cacti-plug-in cacti_wrapper.py, 'Chatterjee et al., MICRO'17')",
        _HBM_PHY_MM2_PER_DQ, _LLMCOMPASS + ": HBM2E 10.45 mm^2 per 1024-bit stack, per pin (HBM2 has the same "
        "1024 DQ per stack)",
        0.3, "O'Connor et al., MICRO 2017, interposer I/O 0.3 pJ/bit (../shared/reference/tech/hbm_energy_per_bit.csv "
        "interposer_io)"),
    "hbm3": InterfaceCost(
        "HBM3", 3.59, "O'Connor et al., MICRO 2017, the off-chip access path 3.59 pJ/bit as AttAcc (ASPLOS 2024) "
        "prices HBM3 (../shared/reference/tech/hbm_energy_per_bit.csv total_offchip_host_access)",
        _HBM_PHY_MM2_PER_DQ, _LLMCOMPASS + ": HBM2E 10.45 mm^2 per 1024-bit stack, per pin (HBM3 keeps 1024 DQ "
        "per stack; no HBM3 PHY area in the sources)",
        0.29, "'A 4-nm 1.15 TB/s HBM3 Interface With Resistor-Tuned Offset Calibration and In Situ Margin Detection', "
        "IEEE JSSC 59(1), 2024: 0.29 pJ/bit at 9.0 Gb/s/pin"),
}


def _ck(ns: float, tck_ns: float) -> int:
    """Cycles for a time a source gives in ns (JEDEC: ceil(ns / tCK); rounded to 1e-6 first so an
    exact multiple is not pushed up by float error)."""
    return math.ceil(round(ns / tck_ns, 6))


@dataclass(frozen=True)
class DramTiming:
    name: str
    source: str
    tck_ns: float
    burst_length: int      # JEDEC burst length (transfers per column command)
    io_bits: int           # data pins per (pseudo-)channel
    channels: int          # (pseudo-)channels per device/stack
    bank_groups: int
    banks_per_group: int
    rows: int
    columns: int           # bursts per row
    tRCD: int
    tRP: int
    tRAS: int
    tRC: int
    tCCD_S: int
    tCCD_L: int
    tRRD_S: int
    tRRD_L: int
    tFAW: int
    tWR: int
    tRFC: int
    tREFI: int
    data_rate_gbps_per_pin: float | None = None
    # Command-to-data latencies and turnarounds the PIM command program needs (cycles); None where
    # the source gives none (a PIM design on that standard is refused, hwsim.arch.pim).
    RL: int | None = None        # read latency (CL)
    WL: int | None = None        # write latency (CWL)
    tRCD_WR: int | None = None   # activate to write
    tWTR_L: int | None = None    # write to read, same bank group
    tRTRS: int | None = None     # bus turnaround between read and write bursts
    # Currents per (pseudo-)channel for static power; None where no source gives them.
    vdd_v: float | None = None
    idd3n_ma: float | None = None    # active standby (background)
    idd5ab_ma: float | None = None   # during an all-bank refresh
    # Most (pseudo-)channels one accelerator can attach (a package's stacks or a board's devices);
    # None: no limit known. Sources at the presets (_HBM_STACKS, _GDDR_DEVICES, _LPDDR5_CHANNELS).
    max_channels: int | None = None
    # energy per bit, PHY area and PHY power of the interface (sources at _COSTS)
    cost: "InterfaceCost | None" = None

    @property
    def capacity_bits_per_channel(self) -> int:
        """Bits one (pseudo-)channel holds (derived: banks x rows x row_bits)."""
        return self.banks * self.rows * self.row_bits

    @property
    def static_mw_per_channel(self) -> float:
        """Background plus average refresh power of one channel, in mW (derived: VDD x (IDD3N +
        (IDD5AB - IDD3N) x tRFC / tREFI)); 0 where the standard has no currents."""
        if self.vdd_v is None:
            return 0.0
        return self.vdd_v * (self.idd3n_ma + (self.idd5ab_ma - self.idd3n_ma) * self.tRFC / self.tREFI)

    @property
    def burst_cycles(self) -> int:
        """Clock cycles one burst occupies the data bus (derived: burst length / transfers per tCK,
        transfers per tCK = data rate per pin x tCK)."""
        per_tck = round(self.data_rate_gbps_per_pin * self.tck_ns)
        return max(1, round(self.burst_length / per_tck))

    def max_bandwidth_gb_s(self, channels: int) -> float:
        """The standard's peak over ``channels`` (derived: channels x per-channel peak)."""
        return channels * self.peak_channel_gb_s

    @property
    def has_pim_timing(self) -> bool:
        return None not in (self.RL, self.WL, self.tRCD_WR, self.tWTR_L, self.tRTRS)

    @property
    def banks(self) -> int:
        return self.bank_groups * self.banks_per_group

    @property
    def burst_bits(self) -> int:
        """Bits one column command moves on the channel (io width x burst length)."""
        return self.io_bits * self.burst_length

    @property
    def row_bits(self) -> int:
        """Bits in one bank's row (page) (derived: columns x burst_bits)."""
        return self.columns * self.burst_bits

    @property
    def row_bytes(self) -> int:
        return self.row_bits // 8

    @property
    def capacity_bits(self) -> int:
        """Bits per device/stack (derived: channels x banks x rows x row_bits)."""
        return self.channels * self.banks * self.rows * self.row_bits

    @property
    def peak_channel_gb_s(self) -> float:
        """Peak bandwidth of one (pseudo-)channel in GB/s = 1e9 bytes/s (derived: io_bits x data rate
        per pin / 8; the data rate already counts every edge, DDR/QDR/ODR)."""
        if self.data_rate_gbps_per_pin is None:
            raise ValueError(f"DRAM preset '{self.name}' has no data rate per pin")
        return self.io_bits * self.data_rate_gbps_per_pin / 8

    channel_gb_s = peak_channel_gb_s   # the name hwsim.arch.spec.DramSpec.bandwidth uses

    @property
    def refresh_fraction(self) -> float:
        """Share of time a bank is unavailable to refresh (derived: tRFC / tREFI, all-bank refresh)."""
        return self.tRFC / self.tREFI

    def row_cycles(self, columns: int) -> int:
        """Cycles to open a row, read ``columns`` bursts back to back in one bank and close it
        (derived: tRCD + columns x tCCD_L + tRP; a bank's consecutive column commands are in one
        bank group, so tCCD_L applies; the row must also stay open tRAS)."""
        return max(self.tRCD + columns * self.tCCD_L, self.tRAS) + self.tRP

    def single_bank_gemv_cycles(self, k: int, n: int, weight_bits: int) -> float:
        """Cycles for one bank to stream a k x n weight matrix for one GEMV: activations = ceil(k x n x
        bits / row bits), each a full row stream, with refresh's share (derived: the hand bound
        activations x (tRCD + columns x tCCD_L + tRP) / (1 - tRFC/tREFI); broadcast, read-back and
        PIM mode switches, which the PIM fabric adds, are not in it)."""
        activations = -(-k * n * weight_bits // self.row_bits)
        return self.single_bank_stream_cycles(activations)

    def single_bank_stream_cycles(self, activations: int, columns_per_row: int | None = None) -> float:
        """Cycles for one bank to stream ``activations`` full rows, with refresh taking its share
        (derived: activations x row_cycles / (1 - tRFC/tREFI))."""
        columns = self.columns if columns_per_row is None else columns_per_row
        return activations * self.row_cycles(columns) / (1.0 - self.refresh_fraction)


_PIMSIM = "Samsung PIMSimulator ini/HBM2_samsung_2M_16B_x64.ini (../shared/reference/tech/dram_timing.csv)"
_ATTACC = "AttAcc scale-snu/attacc_simulator pim_ramulator_src/HBM3-PIM.cpp"
_AIM = "SK hynix AiM simulator arkhadem/aim_simulator src/dram/impl/GDDR6.cpp"
_GEM5 = "gem5 src/python/gem5/components/memory/dram_interfaces/lpddr5.py"
# umd-memsys/DRAMsim3 configs/HBM2_8Gb_x128.ini [power] (0eb6360): VDD 1.2 V, IDD3N 55 mA, IDD5AB
# 250 mA per x128 channel; a pseudo-channel is half of it (derived: / 2). The Samsung PIM ini's
# IDD values are all 0, so HBM2's come from here.
_HBM2_CURRENTS = dict(vdd_v=1.2, idd3n_ma=55 / 2, idd5ab_ma=250 / 2)


# Most devices one accelerator attaches, from shipped parts:
# HBM: 8 stacks on one package (AMD Instinct MI300X, 8 HBM3 stacks; NVIDIA B200, 8 HBM3e stacks);
# GDDR6: a 512-bit bus of 16 x32 devices (the widest GPU memory buses: AMD Hawaii R9 290X, NVIDIA
# GB202 RTX 5090); LPDDR5: a 1024-bit bus of 64 x16 channels (Apple M2 Ultra, 800 GB/s).
_HBM_STACKS = 8
_GDDR_DEVICES = 16
_LPDDR5_CHANNELS = 1024 // 16
# DDR4: AMD EPYC 7002 (Rome): eight DDR4-3200 channels per socket.
_DDR4_CHANNELS = 8
# DDR4-3200 x8 die (DRAMsim3 DDR4_8Gb_x8_3200.ini [power]) in mA; a 64-bit channel is 8 dies
_DDR4_DIES = 64 // 8
# Without a named standard: 8 stacks of JEDEC HBM4 (JESD270-4: 2048 I/O at up to 8 Gb/s = 2 TB/s
# per stack), the fastest DRAM standard, on the largest package above.
MAX_BANDWIDTH_GB_S = _HBM_STACKS * 2048 * 8 / 8


def _hbm3(name: str, source: str, tck_ns: float, rate: float, **timing: int) -> DramTiming:
    """HBM3_8Gb_2R of HBM3-PIM.cpp: DQ 32 per pseudo-channel, prefetch (BL) 8, Pch 2 x channel 16
    (HBM3_base.yaml), ranks (SIDs) 2 x BG 4 (modelled as 8 bank groups), Ba 4, Ro 1<<14, Co 1<<5;
    tRFC: its tRFC_TABLE gives 350 ns for an 8 Gb channel."""
    return DramTiming(name, source, tck_ns=tck_ns, burst_length=8, io_bits=32, channels=2 * 16,
                      bank_groups=2 * 4, banks_per_group=4, rows=1 << 14, columns=1 << 5,
                      tRFC=_ck(350, tck_ns), data_rate_gbps_per_pin=rate, max_channels=_HBM_STACKS * 2 * 16,
                      **timing)


DRAM_PRESETS: dict[str, DramTiming] = {
    "hbm2-pim": DramTiming(
        "hbm2-pim", _PIMSIM,
        tck_ns=1.0, burst_length=4, io_bits=64, channels=64, bank_groups=4, banks_per_group=4, rows=16384,
        columns=128 // 4,  # derived: 128 columns of 64 bits per row, a burst of 4 per command = 32 commands
        tRCD=14, tRP=14, tRAS=33, tRC=47, tCCD_S=2, tCCD_L=4, tRRD_S=4, tRRD_L=6, tFAW=16, tWR=16,
        tRFC=350, tREFI=3900,
        data_rate_gbps_per_pin=2.0,  # PIMSimulator README "Pin speed: 2Gbps"
        RL=20, WL=8, tRCD_WR=10, tWTR_L=9, tRTRS=1,  # the ini's RL, WL, tRCDWR, tWTRL, tRTRS
        max_channels=_HBM_STACKS * 16,  # 16 pseudo-channels per stack (as hbm2)
        **_HBM2_CURRENTS),
    "hbm2": DramTiming(
        "hbm2", _PIMSIM + "; one stack: README 4 pseudo-channels per die x 4 dies, system_hbm.ini NUM_CHANS=16",
        tck_ns=1.0, burst_length=4, io_bits=64, channels=4 * 4, bank_groups=4, banks_per_group=4, rows=16384,
        columns=128 // 4,  # as hbm2-pim
        tRCD=14, tRP=14, tRAS=33, tRC=47, tCCD_S=2, tCCD_L=4, tRRD_S=4, tRRD_L=6, tFAW=16, tWR=16,
        tRFC=350, tREFI=3900,
        data_rate_gbps_per_pin=2.0,  # README "Pin speed: 2Gbps" (DDR at tCK 1 ns)
        RL=20, WL=8, tRCD_WR=10, tWTR_L=9, tRTRS=1,  # as hbm2-pim
        max_channels=_HBM_STACKS * 16,
        **_HBM2_CURRENTS),
    # HBM3-PIM.cpp timing_presets (cycles): tCK = 1e6 / (rate / 4) ps ("QDR DQ pins"); nRCDRD, nRP,
    # nRAS, nRC, nCCDS, nCCDL, nRRDS, nRRDL, nFAW, nWR, nREFI (= 3.9 us x clock)
    "hbm3": _hbm3(
        "hbm3", _ATTACC + " timing HBM3_6.4Gbps, org HBM3_8Gb_2R (JESD238A)", 0.625, 6.4,
        tRCD=23, tRP=23, tRAS=55, tRC=77, tCCD_S=2, tCCD_L=4, tRRD_S=2, tRRD_L=4, tFAW=48, tWR=26, tREFI=6240,
        RL=23, WL=7, tRCD_WR=23, tWTR_L=13, tRTRS=3),  # nCL, nCWL, nRCDWR, nWTRL, nRTW
    "hbm3-attacc": _hbm3(
        "hbm3-attacc", _ATTACC + " timing HBM3_5.2Gbps, org HBM3_8Gb_2R x channel 16 (HBM3_base.yaml; "
        "../shared/reference/tech/dram_timing.csv row HBM3_5.2Gbps)", 0.769, 5.2,
        tRCD=19, tRP=19, tRAS=45, tRC=63, tCCD_S=2, tCCD_L=4, tRRD_S=2, tRRD_L=4, tFAW=39, tWR=21, tREFI=5070,
        RL=19, WL=6, tRCD_WR=19, tWTR_L=11, tRTRS=3),  # nCL, nCWL, nRCDWR, nWTRL, nRTW
    "gddr6": DramTiming(
        "gddr6", "NeuPIMs extern/NewtonSim configs/GDDR6_8Gb_x16.ini (../shared/reference/tech/dram_timing.csv "
        "row GDDR6_8Gb_x16); organisation ramulator2 src/dram/impl/GDDR6.cpp GDDR6_8Gb_x16 (JESD250 Table 19)",
        tck_ns=0.66, burst_length=16, io_bits=16,
        channels=2, bank_groups=4, banks_per_group=4, rows=1 << 14,  # ramulator2 Ch 2, Bg 4, Ba 4, Ro 1<<14
        columns=(1 << 10) // 16,  # derived: Co 1<<10 x16 columns (2 KB) / BL16 = 64 bursts
        tRCD=24, tRP=24, tRAS=54,
        tRC=54 + 24,  # derived: tRAS + tRP (the ini has none; DRAMsim3 Config::InitTimingParams does the same)
        tCCD_S=3, tCCD_L=4, tRRD_S=9, tRRD_L=9, tFAW=32, tWR=16, tRFC=126, tREFI=11862,
        data_rate_gbps_per_pin=12.0,  # derived: 8 transfers per CK (JESD250) / 0.66 ns = 12.1 -> 12 Gbps bin
        max_channels=_GDDR_DEVICES * 2),
    "gddr6-aim": DramTiming(
        "gddr6-aim", _AIM + " timing GDDR6_2000_1350mV_double, org GDDR6_8Gb_x16 "
        "(../shared/reference/tech/dram_timing.csv row GDDR6_AiM)",
        tck_ns=0.57,  # tCK_ps 570: CK of 14 Gbps GDDR6 (1.75 GHz)
        burst_length=16,  # JESD250 BL16 = AiM's 256-bit access (README); the preset's nBL 8 is WCK cycles
        io_bits=16, channels=2, bank_groups=4, banks_per_group=4, rows=1 << 14,  # GDDR6_8Gb_x16 org
        columns=(1 << 10) // 16,  # derived: Co 1<<10 x16 columns (2 KB) / BL16 = 64 bursts
        tRCD=26, tRP=26, tRAS=53, tRC=79, tCCD_S=4, tCCD_L=6, tRRD_S=7, tRRD_L=7, tFAW=28, tWR=26,
        tRFC=210, tREFI=3333,
        data_rate_gbps_per_pin=14.0,  # derived: 8 transfers per CK / 0.57 ns = 14.0
        # GDDR6_2000_1350mV_double nCL, nCWL, nRCDWR, nWTRL; tRTRS: none given, DRAMSim2's 1 cycle
        RL=24, WL=6, tRCD_WR=16, tWTR_L=11, tRTRS=1, max_channels=_GDDR_DEVICES * 2),
    "lpddr5": DramTiming(
        "lpddr5", _GEM5 + " LPDDR5_6400_1x16_BG_BL16; rows/columns ramulator2 src/dram/impl/LPDDR5.cpp "
        "LPDDR5_8Gb_x16",
        tck_ns=1.25, burst_length=16, io_bits=16,
        channels=1,  # gem5: "a single x16 channel" per 8 Gb die (ramulator2 Ch 1)
        bank_groups=4, banks_per_group=4,  # gem5 16-bank mode with bank-group architecture
        rows=1 << 15, columns=(1 << 10) // 16,  # ramulator2 Ro 1<<15, Co 1<<10 x16 (gem5 2 KiB page) / BL16
        tRCD=_ck(18, 1.25), tRP=_ck(18, 1.25), tRAS=_ck(42, 1.25),
        tRC=_ck(42, 1.25) + _ck(18, 1.25),  # derived: tRAS + tRP (gem5 has no tRC)
        tCCD_S=_ck(2.5, 1.25),  # gem5 tBURST_MIN: 16 beats = 2 CK to another bank group
        tCCD_L=_ck(5, 1.25), tRRD_S=_ck(5, 1.25), tRRD_L=_ck(5, 1.25), tFAW=_ck(20, 1.25),  # tXAW 20 ns
        tWR=_ck(34, 1.25), tRFC=_ck(210, 1.25), tREFI=_ck(3900, 1.25),
        data_rate_gbps_per_pin=6.4,  # gem5 "6.4Gbps data rates": 8 transfers per 800 MHz CK
        max_channels=_LPDDR5_CHANNELS),
    "ddr4": DramTiming(
        "ddr4", "umd-memsys/DRAMsim3 configs/DDR4_8Gb_x8_3200.ini (0eb6360): one 64-bit channel of 8 x8 dies",
        tck_ns=0.625,  # JESD79-4 DDR4-3200: 1600 MHz CK (the ini rounds it to 0.63)
        burst_length=8, io_bits=_DDR4_DIES * 8,  # BL = 8; device_width 8 x 8 dies
        channels=1, bank_groups=4, banks_per_group=4, rows=65536,
        columns=1024 // 8,  # derived: 1024 x8 columns per die row / BL8 = 128 bursts
        tRCD=22, tRP=22, tRAS=52,
        tRC=52 + 22,  # derived: tRAS + tRP (the ini has none)
        tCCD_S=4, tCCD_L=8, tRRD_S=4, tRRD_L=8, tFAW=34, tWR=24, tRFC=560, tREFI=12480,
        data_rate_gbps_per_pin=3.2,  # DDR4-3200: 2 transfers per 1600 MHz CK
        vdd_v=1.2, idd3n_ma=52 * _DDR4_DIES, idd5ab_ma=250 * _DDR4_DIES,  # the ini's VDD, IDD3N, IDD5AB per die
        max_channels=_DDR4_CHANNELS),
}
# every preset's interface cost, by its JEDEC family
_FAMILY = {"hbm2-pim": "hbm2", "hbm2": "hbm2", "hbm3": "hbm3", "hbm3-attacc": "hbm3", "gddr6": "gddr6",
           "gddr6-aim": "gddr6", "lpddr5": "lpddr5", "ddr4": "ddr4"}
DRAM_PRESETS = {name: replace(timing, cost=_COSTS[_FAMILY[name]]) for name, timing in DRAM_PRESETS.items()}


def channels_for_bandwidth(timing: DramTiming, bandwidth_gb_s):
    """The fewest channels that deliver ``bandwidth_gb_s`` (numbers or arrays; derived: ceil(bandwidth /
    per-channel peak), rounded to 1e-9 first so an exact multiple is not pushed up by float error)."""
    return np.ceil(np.round(np.asarray(bandwidth_gb_s, dtype=np.float64) / timing.peak_channel_gb_s, 9))


def phy_area_mm2(timing: DramTiming, channels):
    """Accelerator-side PHY area of ``channels`` channels (derived: channels x data pins per channel x the
    standard's PHY area per pin)."""
    return np.asarray(channels, dtype=np.float64) * timing.io_bits * timing.cost.phy_area_mm2_per_dq


def phy_mw(pj_per_bit, bandwidth_gb_s):
    """Accelerator-side PHY power at a provisioned rate, in mW, at a PHY energy per bit (a
    standard's ``cost.phy_pj_per_bit``; derived: PHY pJ/bit x GB/s x 8 bits; pJ x 1e9/s = mW). The
    PHY is charged at the rate its clock runs whether data moves or not: clock, DLL/PLL,
    receivers and termination stay on (an upper bound on an idle PHY; the DRAM's own energy per bit
    stays in the traffic)."""
    return np.asarray(pj_per_bit, dtype=np.float64) * np.asarray(bandwidth_gb_s, dtype=np.float64) * 8.0


def dram_preset(name: str) -> DramTiming:
    if name not in DRAM_PRESETS:
        raise HwsimInputError(f"unknown DRAM standard '{name}'", field="dram.standard",
                              allowed=", ".join(DRAM_PRESETS))
    return DRAM_PRESETS[name]


@functools.cache   # a function of the module's constant presets: once per process
def unnamed_interface_cost() -> tuple[float, float]:
    """(PHY mm^2 per GB/s, PHY pJ/bit) charged for a finite bandwidth on a design that names no DRAM
    standard: the least any modelled standard charges per GB/s of peak (derived: min over DRAM_PRESETS
    of io_bits x PHY mm^2 per pin / per-channel peak GB/s, and min PHY pJ/bit; both are HBM3's today).
    A lower bound, so that bandwidth is never free on a Pareto front yet an unnamed interface is not
    charged more than any real one; name ``dram.standard`` for its own price (docs/model-assumptions.md)."""
    mm2_per_gb_s = min(t.io_bits * t.cost.phy_area_mm2_per_dq / t.peak_channel_gb_s for t in DRAM_PRESETS.values())
    pj_per_bit = min(t.cost.phy_pj_per_bit for t in DRAM_PRESETS.values())
    return mm2_per_gb_s, pj_per_bit

