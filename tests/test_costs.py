"""hwsim.costs, the public face of single-unit costs: one MAC PE is the PE `hwsim pe` lists,
and the published-ratio table keeps its documented shape."""

import pytest

from hwsim.costs import PUBLISHED_RATIOS, mac_pe_cost, published_ratios
from hwsim.errors import HwsimInputError


@pytest.mark.parametrize("node", [45, 7])
@pytest.mark.parametrize("w, a, acc", [("int8", "int8", "int32"), ("fp8_e4m3", "fp8_e4m3", "fp32"),
                                       ("int4", "fp16", "fp32")])
def test_mac_pe_cost_is_the_pe_hwsim_pe_lists(node, w, a, acc):
    # documented: "the same PE hwsim pe lists" (one MAC PE built for exactly that combination)
    from hwsim.pe.catalog import pe_table
    from hwsim.tech.nodes import tech_point

    table = pe_table(tech_point(node))
    row = table[(table.pe == "mac") & (table.weight_format == w) & (table.activation_format == a)
                & (table.accumulator_format == acc)].iloc[0]
    cost = mac_pe_cost(w, a, acc, node)
    assert (cost.energy_per_mac_pj, cost.area_um2, cost.leakage_uw) == \
        (row.energy_per_mac_pj, row.area_um2, row.leakage_uw)


def test_a_smaller_node_costs_less():
    at_45, at_7 = mac_pe_cost("int8", "int8", "int32", 45), mac_pe_cost("int8", "int8", "int32", 7)
    assert at_7.energy_per_mac_pj < at_45.energy_per_mac_pj and at_7.area_um2 < at_45.area_um2


def test_bad_formats_are_one_error():
    with pytest.raises(HwsimInputError, match="narrower than the 16-bit product"):   # 8 + 8 bits
        mac_pe_cost("int8", "int8", "int8")
    with pytest.raises(HwsimInputError, match="unknown number format 'int9x'"):
        mac_pe_cost("int9x", "int8", "int32")


def test_published_ratios_table():
    table = published_ratios()
    assert list(table.columns) == ["ratio", "hwsim", "published_low", "published_high", "within", "source"]
    assert list(table.ratio) == [name for name, *_ in PUBLISHED_RATIOS]
    # Horowitz ISSCC 2014 at 45 nm: int8 mult 0.2 pJ / int8 add 0.03 pJ = 6.67x, +-25%
    row = table.set_index("ratio").loc["int8 mult / int8 add, energy"]
    assert row.published_low == pytest.approx(0.2 / 0.03 * 0.75) and row.published_high == pytest.approx(0.2 / 0.03 * 1.25)
    assert bool(row.within) == (row.published_low <= row.hwsim <= row.published_high)
