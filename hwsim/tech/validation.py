"""The technology half of the calibration report: fitted factors and residuals against each
published number. Printed by ``hwsim calibrate``; asserted by tests/pe/test_pe_calibration.py with
the tolerances below. The report's third table, whole PEs' ratios beside published ones, needs
the PEs, a floor above this package: hwsim/costs.py (``published_ratios``).
"""

from __future__ import annotations

import pandas as pd

from hwsim.tech.calibration import (ALADDIN, ALADDIN_AREA_UM2, ALADDIN_NODE_NM, HOROWITZ, HOROWITZ_ENERGY_PJ,
                                    aladdin_netlist, calibration, horowitz_netlist)
from hwsim.tech.costs import unit_cost
from hwsim.tech.nodes import tech_point

HOROWITZ_TOLERANCE = 0.25  # issue #3: each Horowitz energy within +-25%
ALADDIN_TOLERANCE = 0.30   # issue #3: each Aladdin area within +-30%


def factors() -> pd.DataFrame:
    cal = calibration()
    rows = [
        ("energy_pj_per_um2", cal.energy_pj_per_um2, "pJ/um^2", f"fit to {HOROWITZ} INT add/mult"),
        ("ieee_adder_factor", cal.ieee_adder_factor, "-", f"fit to {HOROWITZ} FP16/FP32 add"),
        ("ieee_multiplier_factor", cal.ieee_multiplier_factor, "-", f"fit to {HOROWITZ} FP16/FP32 mult"),
        ("area_layout_factor", cal.area_layout_factor, "-", f"fit to {ALADDIN} areas"),
        ("leakage_uw_per_um2_40nm", cal.leakage_uw_per_um2_40nm, "uW/um^2", f"{ALADDIN} adder, multiplier"),
        ("register_energy_pj_45nm", cal.register_energy_pj_45nm, "pJ/bit", f"{ALADDIN} register, scaled 40->45 nm"),
    ]
    return pd.DataFrame(rows, columns=["factor", "value", "unit", "source"])


def residuals() -> pd.DataFrame:
    """Every published point with hwsim's value and the relative residual (model/published - 1)."""
    rows = []
    at_45 = tech_point(45)
    for (unit, bits), published in HOROWITZ_ENERGY_PJ.items():
        model = unit_cost(horowitz_netlist(unit, bits), at_45).energy_pj
        rows.append(("horowitz_45nm", unit, bits, "energy_pj", published, model, HOROWITZ_TOLERANCE))
    at_40 = tech_point(ALADDIN_NODE_NM)
    for (component, bits), published in ALADDIN_AREA_UM2.items():
        model = unit_cost(aladdin_netlist(component, bits), at_40).area_um2
        rows.append(("aladdin_40nm", component, bits, "area_um2", published, model, ALADDIN_TOLERANCE))
    frame = pd.DataFrame(rows, columns=["reference", "unit", "bits", "quantity", "published", "hwsim", "tolerance"])
    frame["residual"] = frame["hwsim"] / frame["published"] - 1
    return frame
