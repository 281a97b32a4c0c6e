"""Real CNNs that ship inside the onnx wheel (onnx/backend/test/data/light: the ONNX model zoo's
graphs with their weights replaced by ConstantOfShape), checked against hand counts from the papers'
architectures. No download: the files come with the test extra's onnx package."""

from __future__ import annotations

from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")

import hwsim  # noqa: E402
from hwsim.workload import Conv2d, Gemm  # noqa: E402

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def light(name: str) -> str:
    path = LIGHT / f"light_{name}.onnx"
    if not path.is_file():  # the onnx extra ships them; never a silent skip
        pytest.fail(f"{path} is missing from the installed onnx package")
    return str(path)


def resnet50_v15_macs() -> int:
    """He et al. 2016, Table 1 (50-layer), with the stride-2 on each stage's first 3x3 (ResNet v1.5,
    as torchvision and the ONNX zoo's resnet50): 224x224 input, fc 2048 -> 1000."""
    total = 112 * 112 * 64 * (7 * 7 * 3)
    # (blocks, output side, bottleneck width, block output channels, stage input channels)
    for stage, (blocks, side, mid, out, cin) in enumerate(
            [(3, 56, 64, 256, 64), (4, 28, 128, 512, 256), (6, 14, 256, 1024, 512), (3, 7, 512, 2048, 1024)]):
        for block in range(blocks):
            first = block == 0
            in_side = 2 * side if first and stage > 0 else side  # the first 1x1 runs before the stride
            total += in_side * in_side * (cin if first else out) * mid   # 1x1 reduce
            total += side * side * mid * mid * 9                         # 3x3
            total += side * side * mid * out                             # 1x1 expand
            if first:
                total += side * side * cin * out                         # projection shortcut
    return total + 2048 * 1000


def test_resnet50_total_and_layers():
    work = hwsim.load_workload(light("resnet50"))
    assert resnet50_v15_macs() == 4_089_184_256  # ~4.1 GFLOPs (multiply-adds), He et al. Table 1
    assert work.macs == 4_089_184_256
    assert work.name == "light_resnet50"  # the file's name (exporters' graph names are generic)
    convs = [layer for layer in work.layers if layer.op.kind == "conv2d"]
    assert len(convs) == 53  # 1 stem + 16 blocks x 3 + 4 projections
    assert convs[0].op == Conv2d(224, 224, 3, 64, 7, 7, stride=2, padding=3)
    assert work.layers[-2].op == Gemm(m=1, k=2048, n=1000)
    assert [layer.op.op for layer in work.layers if layer.op.kind == "vector"].count("batchnorm") == 53


def test_vgg19_total():
    # Simonyan & Zisserman 2015 config E at 224x224; 19.6 GFLOPs (multiply-adds) in He et al. Table 1
    conv = (224 ** 2 * (3 * 64 + 64 * 64) + 112 ** 2 * (64 * 128 + 128 * 128)
            + 56 ** 2 * (128 * 256 + 3 * 256 * 256) + 28 ** 2 * (256 * 512 + 3 * 512 * 512)
            + 14 ** 2 * 4 * 512 * 512) * 9
    fc = 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000
    assert hwsim.load_workload(light("vgg19")).macs == conv + fc == 19_632_062_464


def test_shufflenet_grouped_and_depthwise_layers():
    # Zhang et al. 2018 ShuffleNet, g = 4 (the zoo's model): a grouped 1x1 (24 -> 112 in 4 groups at
    # 56x56: 3136 x 112 x 6 = 2,107,392 MACs) and a stride-2 depthwise 3x3 (112 channels to 28x28:
    # 784 x 112 x 9 = 790,272)
    layers = {layer.name: layer.op for layer in hwsim.load_workload(light("shufflenet")).layers}
    assert layers["n4"] == Conv2d(56, 56, 24, 112, 1, 1, groups=4)
    assert layers["n4"].gemm_view().macs == 2_107_392
    assert layers["n10"] == Conv2d(56, 56, 112, 112, 3, 3, stride=2, padding=1, groups=112)
    assert layers["n10"].gemm_view().macs == 790_272


def test_alexnet_grouped_conv2():
    # Krizhevsky et al. 2012 (BVLC Caffe model, 224 input here): conv2 5x5 pad 2, 96 -> 256 in
    # 2 groups at 26x26: 676 x 256 x 48 x 25 = 207,667,200 MACs
    layers = {layer.name: layer.op for layer in hwsim.load_workload(light("bvlc_alexnet")).layers}
    assert layers["n4"] == Conv2d(26, 26, 96, 256, 5, 5, padding=2, groups=2)
    assert layers["n4"].gemm_view().macs == 207_667_200


CONVERTED = Path(onnx.__file__).parent / "backend" / "test" / "data" / "pytorch-converted"


@pytest.mark.parametrize("case, op, macs", [
    # PyTorch's own exports of its conv modules (torch.onnx), shipped in the onnx wheel; by hand:
    # 2 images x 2x2 outputs x 4 channels x 9 taps
    ("test_Conv2d_depthwise_strided", Conv2d(6, 6, 4, 4, 3, 3, stride=2, groups=4, batch=2), 288),
    # dilation 2, stride 2, pad 1 on 8x8: floor((8 + 2 - 5) / 2) + 1 = 3; 2 x 9 outputs x 2 filters x 27
    ("test_Conv2d_dilated", Gemm(m=18, k=27, n=2), 972),
    # 7x6 input pixels x 3 channels x (4 filters x 3x3 taps), strides (3, 2), output_padding 1
    ("test_ConvTranspose2d", Gemm(m=42, k=3, n=36), 4536),
    # 3-D, 2 groups: 2 images x (2x3x2) outputs x 3 filters per group x 2x27 taps x 2 groups
    ("test_Conv3d_groups", Gemm(m=24, k=54, n=3, batch=2), 7776),
    # 1-D, 2 groups: 2 x 4 outputs x 3 filters per group x (2 channels x 3 taps) x 2 groups
    ("test_Conv1d_groups", Conv2d(1, 6, 4, 6, 1, 3, groups=2, batch=2), 288),
])
def test_pytorch_exported_convolutions(case, op, macs):
    path = CONVERTED / case / "model.onnx"
    if not path.is_file():
        pytest.fail(f"{path} is missing from the installed onnx package")
    (layer,) = [layer for layer in hwsim.load_workload(str(path)).layers if layer.op.kind != "vector"]
    assert layer.op == op
    assert layer.op.gemm_view().macs == macs
