"""A SCALE-Sim ``.cfg`` read as an equivalent hwsim spec (a plain dict, validated by the caller).

SCALE-Sim counts abstract words; hwsim takes a word to be one INT8 value (SCALE-Sim sizes its
SRAMs in KB and addresses them in words, i.e. 1 byte per word), with INT32 accumulation.
``InterfaceBandwidth: CALC`` (SCALE-Sim computes the bandwidth that never stalls) becomes
``dram.bandwidth_gb_s: unlimited``; ``USER`` converts ``Bandwidth`` words per cycle to GB/s at
the spec's clock (derived: words x 8 bits x clock / 8e9; at the preset's 1 GHz one word per cycle
is 1 GB/s), so a clock sweep does not silently change the bandwidth. The spec uses
``mapping: scalesim``.
SCALE-Sim has no energy, area, clock or node: those fields come from the
``scalesim-default`` preset and are reported as such in ``source``.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import read_text

WORD_BITS = 8

# Every section and key a SCALE-Sim v2/v3 config may hold (scale-sim-v2 scalesim/scale_config.py and
# the configs it ships, as in ../shared/reference/scalesim/configs), lower-cased as configparser
# reads them. Any other key is a typo that SCALE-Sim itself would ignore silently (a misspelt
# InterfaceBandwidth would run CALC): refused. Keys that move only addresses or Ramulator's request
# queues (offsets, request buffers) change none of the counts hwsim reproduces and are read and
# left; the switches for what hwsim does not model (sparsity, custom layouts, Ramulator traces)
# must be off.
KNOWN_KEYS = {
    "general": ("run_name",),
    "architecture_presets": ("arrayheight", "arraywidth", "ifmapsramszkb", "filtersramszkb", "ofmapsramszkb",
                             "ifmapoffset", "filteroffset", "ofmapoffset", "bandwidth", "dataflow", "memorybanks",
                             "readrequestbuffer", "writerequestbuffer"),
    "layout": ("ifmapcustomlayout", "ifmapsrambankbandwidth", "ifmapsrambanknum", "ifmapsrambankport",
               "filtercustomlayout", "filtersrambankbandwidth", "filtersrambanknum", "filtersrambankport"),
    "sparsity": ("sparsitysupport", "sparserep", "optimizedmapping", "blocksize", "randomnumbergeneratorseed"),
    "run_presets": ("interfacebandwidth", "useramulatortrace"),
    "network_presets": ("topologycsvloc",),
}
# (section, key) switches for what hwsim does not model: each must read false when present
MUST_BE_OFF = (("sparsity", "sparsitysupport", "sparsity is not modelled"),
               ("layout", "ifmapcustomlayout", "custom SRAM layouts are not modelled"),
               ("layout", "filtercustomlayout", "custom SRAM layouts are not modelled"),
               ("run_presets", "useramulatortrace", "Ramulator DRAM traces are not modelled"))


def _check_keys(parser: configparser.ConfigParser, path: Path) -> None:
    """Refuse a section or key SCALE-Sim does not have, and a switch for what hwsim does not model."""
    for section in parser.sections():
        if section not in KNOWN_KEYS:
            raise HwsimInputError(f"unknown section [{section}]", source=str(path), field=f"[{section}]",
                                  allowed=", ".join(KNOWN_KEYS))
        for key in parser.options(section):
            if key not in KNOWN_KEYS[section]:
                raise HwsimInputError(f"unknown key '{key}'", source=str(path), field=f"[{section}] {key}",
                                      allowed=", ".join(KNOWN_KEYS[section]) + " (case-insensitive)")
    for section, key, why in MUST_BE_OFF:
        if parser.has_option(section, key):
            value = parser.get(section, key).strip().lower()
            if value != "false":
                raise HwsimInputError(f"'{value}': {why}", source=str(path), field=f"[{section}] {key}",
                                      allowed="false")


def cfg_to_spec_dict(path: Path, base: dict) -> dict:
    parser = configparser.ConfigParser(strict=True)
    text = read_text(path, "SCALE-Sim config")   # UTF-8, a leading BOM dropped, one line if unreadable
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise HwsimInputError(f"not a readable SCALE-Sim config: {str(exc).splitlines()[0]}", source=str(path)) from None

    def get(section: str, key: str) -> str:
        try:
            return parser.get(section, key).strip()
        except (configparser.NoSectionError, configparser.NoOptionError):
            raise HwsimInputError("missing", source=str(path), field=f"[{section}] {key}") from None

    def get_int(section: str, key: str) -> int:
        value = get(section, key)
        try:
            return int(value)
        except ValueError:
            raise HwsimInputError(f"'{value}' is not an integer", source=str(path), field=f"[{section}] {key}") from None

    _check_keys(parser, path)
    arch = "architecture_presets"
    dataflow = get(arch, "Dataflow").lower()
    if dataflow not in ("os", "ws", "is"):
        raise HwsimInputError(f"unknown dataflow '{dataflow}'", source=str(path), field=f"[{arch}] Dataflow",
                              allowed="os, ws, is")
    mode = get("run_presets", "InterfaceBandwidth").upper() if parser.has_section("run_presets") else "CALC"
    if mode not in ("CALC", "USER"):
        raise HwsimInputError(f"unknown InterfaceBandwidth '{mode}'", source=str(path),
                              field="[run_presets] InterfaceBandwidth", allowed="CALC, USER")
    spec = {key: (dict(value) if isinstance(value, dict) else value) for key, value in base.items()}
    run_name = parser.get("general", "run_name", fallback=path.stem).strip()
    spec["name"] = run_name
    spec["source"] = (f"SCALE-Sim config {path.name} (array, dataflow, SRAM sizes, bandwidth); clock, node, "
                      f"energy and area from preset scalesim-default")
    spec["compute"] = dict(base["compute"], rows=get_int(arch, "ArrayHeight"), cols=get_int(arch, "ArrayWidth"),
                           dataflow=dataflow)
    buffers = dict(base["buffers"])
    for role, key in (("ifmap", "IfmapSramSzkB"), ("filter", "FilterSramSzkB"), ("ofmap", "OfmapSramSzkB")):
        buffers[role] = dict(base["buffers"][role], size_kib=get_int(arch, key))
    spec["buffers"] = buffers
    clock_mhz = float(base["clock_mhz"])
    gb_s = lambda words: words * WORD_BITS * clock_mhz * 1e6 / 8 / 1e9  # noqa: E731
    if mode == "CALC":
        spec["dram"] = dict(base["dram"], bandwidth_gb_s="unlimited")
    else:
        # SCALE-Sim 3.0.0 USER mode: ifmap and filter channels are the [layout] bank bandwidths,
        # the ofmap channel the first Bandwidth entry (hwsim/arch/fabrics/systolic/scalesim_user.py)
        from hwsim.arch.fabrics.systolic.scalesim_user import parse_scalesim_bandwidths

        raw = get(arch, "Bandwidth")
        layout = {key: get_int("layout", key) for key in
                  ("IfmapSRAMBankBandwidth", "FilterSRAMBankBandwidth", "IfmapSRAMBankNum", "FilterSRAMBankNum")}
        try:
            bw_i, bw_f, bw_o = parse_scalesim_bandwidths(raw, layout["IfmapSRAMBankBandwidth"],
                                                         layout["FilterSRAMBankBandwidth"],
                                                         layout["IfmapSRAMBankNum"], layout["FilterSRAMBankNum"])
        except ValueError as exc:
            raise HwsimInputError(str(exc), source=str(path), field=f"[{arch}] Bandwidth / [layout]",
                                  allowed="positive integers; bank bandwidth a multiple of the bank count") from None
        spec["dram"] = dict(base["dram"], bandwidth_gb_s=gb_s(bw_o),
                            operand_bandwidth_gb_s={"ifmap": gb_s(bw_i), "filter": gb_s(bw_f), "ofmap": gb_s(bw_o)})
    spec["mapping"] = "scalesim"
    return spec
