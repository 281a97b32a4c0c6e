import pytest

from hwsim.errors import HwsimInputError
from hwsim.formats import BlockFormat, EffectiveBits, FloatFormat, IntFormat, parse_format


@pytest.mark.parametrize("name, bits", [
    ("int1", 1), ("int4", 4), ("uint7", 7), ("int32", 32),
    ("fp4_e2m1", 4), ("fp4", 4), ("fp6_e3m2", 6), ("fp6_e2m3", 6), ("fp8_e4m3", 8), ("fp8_e5m2", 8),
    ("fp16", 16), ("bf16", 16), ("fp32", 32), ("fp12_e5m6", 12),
    # derived: element bits + scale bits / block size
    ("mxint8", 8 + 8 / 32), ("mxfp8", 8 + 8 / 32), ("mxfp6", 6 + 8 / 32), ("mxfp4", 4 + 8 / 32),
    ("nvfp4", 4 + 8 / 16), ("int4@g128", 4 + 8 / 128), ("int4@g64:fp16", 4 + 16 / 64),
    ("int3@g128", 3.0625), ("5.25", 5.25), ("3.0625", 3.0625),
])
def test_effective_bits_include_scale_overhead_and_are_never_rounded(name, bits):
    assert parse_format(name).bits_per_element == pytest.approx(bits, rel=0, abs=0)


def test_structure():
    assert parse_format("bf16") == FloatFormat(8, 7, "bf16")
    assert parse_format("fp8_e4m3").bias == 7
    assert parse_format("fp16").bias == 15
    assert parse_format("uint8") == IntFormat(8, signed=False)
    nv = parse_format("nvfp4")
    assert isinstance(nv, BlockFormat) and nv.block_size == 16 and nv.scale.name == "fp8_e4m3"
    mx = parse_format("mxfp4")
    assert mx.block_size == 32 and mx.scale.name == "e8m0"
    assert isinstance(parse_format(5.25), EffectiveBits)
    assert parse_format("INT8").name == "int8"


@pytest.mark.parametrize("name", ["int4", "fp8_e4m3", "bf16", "mxfp4", "nvfp4", "int4@g128", "int4@g64:fp16", "5.25",
                                  "mxint8", "uint3"])
def test_names_round_trip(name):
    fmt = parse_format(name)
    assert parse_format(fmt.name) == fmt


@pytest.mark.parametrize("bad", ["int0", "int33", "fp9", "fp8_e4m4", "int4@g0", "int4@gx", "mxint4", "", "-3", "0",
                                 "nan", "float8", "int4@g128:bogus"])
def test_bad_names_are_refused_with_the_allowed_set(bad):
    with pytest.raises(HwsimInputError) as err:
        parse_format(bad)
    assert bad in str(err.value) or "allowed" in str(err.value)
