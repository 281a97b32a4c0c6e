"""DRAM organisation and timing sets, for the DRAM-side fabrics (PIM) and DRAM-aware timing.

Timing parameters are in clock cycles of ``tck_ns`` (JEDEC convention). Every preset cites its
source; the shared reference table ../shared/reference/tech/dram_timing.csv collects them:

* ``hbm2-pim``: Samsung PIMSimulator ini/HBM2_samsung_2M_16B_x64.ini (HBM2 with PIM: 16 banks in
  4 bank groups, 16K rows, 128 columns of 64 bits, bursts of 4 on a x64 pseudo-channel; 64
  pseudo-channels per system_hbm_64ch.ini).

HBM3, GDDR6 and LPDDR5 sets come with the PIM issue: the shared table has their timings but not
every organisation figure (rows, columns per row), which need their own sources first.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.errors import HwsimInputError


@dataclass(frozen=True)
class DramTiming:
    name: str
    source: str
    tck_ns: float
    burst_length: int
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
    # Command-to-data and turnaround timings the PIM command program needs (cycles); defaults are
    # the hbm2-pim ini's values, so every preset must state its own.
    RL: int = 20           # read latency
    WL: int = 8            # write latency
    tRCD_WR: int = 10      # activate to write
    tWTR_L: int = 9        # write to read, same bank group
    tRTRS: int = 1         # rank-to-rank / bus turnaround
    data_rate: int = 2     # data beats per clock per pin (2 = DDR)

    @property
    def channel_gb_s(self) -> float:
        """Peak bandwidth of one (pseudo-)channel in GB/s (derived: io bits x data rate / tCK / 8)."""
        return self.io_bits * self.data_rate / self.tck_ns / 8

    @property
    def banks(self) -> int:
        return self.bank_groups * self.banks_per_group

    @property
    def burst_bits(self) -> int:
        """Bits one column command moves on the channel (io width x burst length)."""
        return self.io_bits * self.burst_length

    @property
    def refresh_fraction(self) -> float:
        """Share of time a bank is unavailable to refresh (derived: tRFC / tREFI, all-bank refresh)."""
        return self.tRFC / self.tREFI

    def row_cycles(self, columns: int) -> int:
        """Cycles to open a row, read ``columns`` bursts back to back in one bank and close it
        (derived: tRCD + columns x tCCD_L + tRP; a bank's consecutive column commands are in one
        bank group, so tCCD_L applies; the row must also stay open tRAS)."""
        return max(self.tRCD + columns * self.tCCD_L, self.tRAS) + self.tRP

    def single_bank_stream_cycles(self, activations: int, columns_per_row: int | None = None) -> float:
        """Cycles for one bank to stream ``activations`` full rows, with refresh taking its share
        (derived: activations x row_cycles / (1 - tRFC/tREFI))."""
        columns = self.columns if columns_per_row is None else columns_per_row
        return activations * self.row_cycles(columns) / (1.0 - self.refresh_fraction)


DRAM_PRESETS: dict[str, DramTiming] = {
    "hbm2-pim": DramTiming(
        "hbm2-pim", "Samsung PIMSimulator ini/HBM2_samsung_2M_16B_x64.ini (../shared/reference/tech/dram_timing.csv)",
        tck_ns=1.0, burst_length=4, io_bits=64, channels=64, bank_groups=4, banks_per_group=4, rows=16384,
        columns=128 // 4,  # derived: 128 columns of 64 bits per row, a burst of 4 per command = 32 commands
        tRCD=14, tRP=14, tRAS=33, tRC=47, tCCD_S=2, tCCD_L=4, tRRD_S=4, tRRD_L=6, tFAW=16, tWR=16,
        tRFC=350, tREFI=3900),
}


def dram_preset(name: str) -> DramTiming:
    if name not in DRAM_PRESETS:
        raise HwsimInputError(f"unknown DRAM standard '{name}'", field="dram.standard",
                              allowed=", ".join(DRAM_PRESETS))
    return DRAM_PRESETS[name]
