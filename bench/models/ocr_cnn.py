"""Bench-only large-input model (issue 14): a small OCR-style CNN on 3x48x192 FP32 images.

110,592 bytes of input per request (batch 1). Weights are seeded random (He-scaled), not trained:
the bench measures serving cost, not accuracy. The graph is built directly with onnx.helper, with
the same helpers, opset and IR version as examples/make_models.py, and a dynamic batch dimension.
Output is byte-for-byte reproducible.

Usage (Debian's interpreter):  /usr/bin/python3 bench/models/ocr_cnn.py <registry-dir>
writes <registry-dir>/ocr-cnn/1/{model.onnx,model.json,labels.txt}.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))

import numpy as np  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

from make_models import classifier_head, f32, finish_model  # noqa: E402

CHANNELS, HEIGHT, WIDTH = 3, 48, 192
CONVS = [16, 32, 64]  # 3x3 conv + ReLU + 2x2 max-pool each
CLASSES = [str(d) for d in range(10)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["-"]
SEED = 14


def build():
    rng = np.random.default_rng(SEED)
    inits, nodes = [], []
    x, cin = "image", CHANNELS
    for i, cout in enumerate(CONVS, start=1):
        w = rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))
        b = rng.standard_normal(cout) * 0.01
        inits += [f32(f"conv{i}_w", w), f32(f"conv{i}_b", b)]
        nodes += [
            helper.make_node("Conv", [x, f"conv{i}_w", f"conv{i}_b"], [f"conv{i}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name=f"conv{i}"),
            helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"),
            helper.make_node("MaxPool", [f"relu{i}"], [f"pool{i}"], kernel_shape=[2, 2], strides=[2, 2], name=f"pool{i}"),
        ]
        x, cin = f"pool{i}", cout
    fc_w = rng.standard_normal((len(CLASSES), cin)) * np.sqrt(1.0 / cin)
    inits += [f32("fc_w", fc_w), f32("fc_b", np.zeros(len(CLASSES)))]
    nodes += [
        helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1, name="fc"),
    ]
    head, outputs = classifier_head("logits", len(CLASSES))
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", CHANNELS, HEIGHT, WIDTH])]
    arch = "-".join(f"conv{c}-pool" for c in CONVS)
    return finish_model(
        "ocr_cnn",
        f"OCR-style CNN on {CHANNELS}x{HEIGHT}x{WIDTH} images: {arch}-gap-fc{len(CLASSES)} (seeded random weights, bench only)",
        nodes + head,
        inputs,
        outputs,
        inits,
    )


def main(registry):
    folder = os.path.join(registry, "ocr-cnn", "1")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as fh:
        fh.write(build().SerializeToString())
    with open(os.path.join(folder, "labels.txt"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(c + "\n" for c in CLASSES))
    meta = {
        "framework": "onnx",
        "description": f"Bench-only OCR-style CNN, input image FP32 [batch,{CHANNELS},{HEIGHT},{WIDTH}], seeded random weights.",
        "created": "2026-12-04T00:00:00Z",
        "tags": ["benchmark", "image"],
        "labels": "labels.txt",
    }
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(folder)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: ocr_cnn.py <registry-dir>")
    main(sys.argv[1])
