"""The idle floor (idle_floor_w, idle_floor_w_per_mm2): static power beyond leakage, DRAM devices
and PHYs, priced over the run's latency and reported as its own energy part. By hand."""

from __future__ import annotations

import pandas as pd
import pytest

import hwsim
from hwsim.cli import main

# SCALE-Sim's fixed order: the floor cannot move a mapping choice, so the latency stays put
SCALESIM = ["mapping=scalesim"]


def test_tpu_floor_is_the_measured_idle_power_less_what_hwsim_models():
    accel = hwsim.load_accelerator("tpu-v1-like")
    # ISCA 2017 Table 2: 28 W idle; the preset's floor is 28 W less its modelled static power
    modelled_w = sum(float(v[0]) for k, v in accel.design.static_parts_uw.items() if k != "idle_floor") / 1e6
    assert accel.info()["idle_floor_w"] == 27.34
    assert 27.34 + modelled_w == pytest.approx(28.0, abs=0.01)


def test_floor_energy_is_its_own_part_and_the_parts_still_sum():
    result = hwsim.simulate(hwsim.load_accelerator("scalesim-default", SCALESIM + ["idle_floor_w=5"]), "resnet50")
    s = result.summary()
    parts = s["energy_breakdown_pj"]
    assert parts["idle_floor"] == pytest.approx(5.0 * s["latency_s"] * 1e12, rel=1e-12)   # W x s -> pJ
    assert sum(parts.values()) == pytest.approx(s["energy_pj"], rel=1e-12)
    bare = hwsim.simulate(hwsim.load_accelerator("scalesim-default", SCALESIM), "resnet50").summary()
    assert "idle_floor" not in bare["energy_breakdown_pj"]
    assert s["latency_s"] == bare["latency_s"]
    assert parts["leakage"] == pytest.approx(bare["energy_breakdown_pj"]["leakage"], rel=1e-9)
    assert s["power_w"] - bare["power_w"] == pytest.approx(5.0, rel=1e-9)


def test_per_area_floor_scales_with_the_design_area():
    accel = hwsim.load_accelerator("scalesim-default", SCALESIM + ["idle_floor_w_per_mm2=0.08", "idle_floor_w=1"])
    assert accel.info()["idle_floor_w"] == pytest.approx(1.0 + 0.08 * accel.area_mm2, rel=1e-12)


def test_swept_as_an_array_key():
    table = hwsim.evaluate("scalesim-default", "resnet50",
                           pd.DataFrame({"mapping": ["scalesim"] * 3, "idle_floor_w": [0.0, 2.0, 4.0]}))
    power = table["power_w"].to_numpy()
    assert power[1] - power[0] == pytest.approx(2.0, rel=1e-9)
    assert power[2] - power[0] == pytest.approx(4.0, rel=1e-9)


@pytest.mark.parametrize("setting", ["idle_floor_w=-1", "idle_floor_w=5000", "idle_floor_w_per_mm2=2"])
def test_out_of_range_is_one_line(setting, capsys):
    assert main(["run", "--set", setting, "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and setting.split("=")[0] in err
