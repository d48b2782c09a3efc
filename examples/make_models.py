#!/usr/bin/python3
"""Build the ModelDeck example model registry under examples/models/.

Trains small, real models on scikit-learn's bundled datasets (no downloads) with fixed seeds and
a fixed train/test split, measures them on the held-out split, and exports every model to ONNX by
building the graph directly with onnx.helper / onnx.numpy_helper (skl2onnx is not used).

Layout written (registry/<model>/<version>/):

    iris/1        LogisticRegression, strong regularisation (C=0.01), raw features   (sklearn)
    iris/2        StandardScaler + LogisticRegression (C=1.0)                          (sklearn)
    digits/1      MLPClassifier 64 -> 64 relu -> 10 (pixels / 16 in-graph)              (sklearn)
    digits-cnn/1  VGG-like conv net (x4 upsample, 6 convs) sized for latency benchmarks (pytorch)
    iris-sklearn/1  RandomForestClassifier saved with joblib as model.pkl, no ONNX file (sklearn):
                    served by the predictor script examples/scripts/iris_sklearn_predictor.py
    tiny-lm/1     a word bigram table (bigrams.json) built from a short bundled text: the
                  deterministic stand-in LLM behind examples/scripts/tiny_llm_predictor.py

Each version folder holds model.onnx (iris-sklearn: model.pkl), model.json and labels.txt. Output
is byte-for-byte reproducible: run it twice and the files do not change.

Run with Debian's interpreter:  /usr/bin/python3 examples/make_models.py   (or: npm run examples)
Only some models:               /usr/bin/python3 examples/make_models.py iris-sklearn iris
Debian packages: python3-sklearn python3-onnx python3-numpy python3-protobuf python3-torch
"""

import os

# Single-threaded BLAS / torch so that training is bit-for-bit deterministic from run to run.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = os.path.join(HERE, "models")

OPSET = 13
IR_VERSION = 8  # onnxruntime 1.30 loads IR <= 10; 8 keeps older runtimes happy too.
CREATED = "2026-11-01T00:00:00Z"
PRODUCER = "modeldeck-examples"
PRODUCER_VERSION = "1"

SEED = 42
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
DIGIT_CLASSES = [str(d) for d in range(10)]


# --------------------------------------------------------------------------------------------
# ONNX helpers
# --------------------------------------------------------------------------------------------


def f32(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def i64(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.int64), name)


def classifier_head(logits, num_classes):
    """Softmax -> `probabilities` [batch, C] and ArgMax -> `label` [batch] (first max wins, like numpy)."""
    nodes = [
        helper.make_node("Softmax", [logits], ["probabilities"], axis=1, name="softmax"),
        helper.make_node(
            "ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0, select_last_index=0, name="argmax"
        ),
    ]
    outputs = [
        helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", num_classes]),
    ]
    return nodes, outputs


def finish_model(graph_name, doc, nodes, inputs, outputs, initializers):
    graph = helper.make_graph(nodes, graph_name, inputs, outputs, initializer=initializers, doc_string=doc)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version=PRODUCER_VERSION,
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    model.model_version = 1
    onnx.checker.check_model(model, full_check=True)
    return model


def linear_classifier_onnx(graph_name, doc, input_name, num_features, coef, intercept, mean=None, scale=None):
    """[batch, F] -> optional (x - mean) / scale -> x @ coef.T + intercept -> softmax/argmax."""
    nodes, inits = [], []
    x = input_name
    if mean is not None:
        inits += [f32("scaler_mean", mean), f32("scaler_scale", scale)]
        nodes += [
            helper.make_node("Sub", [x, "scaler_mean"], ["centered"], name="scaler_sub"),
            helper.make_node("Div", ["centered", "scaler_scale"], ["scaled"], name="scaler_div"),
        ]
        x = "scaled"
    inits += [f32("coef_t", np.asarray(coef).T), f32("intercept", intercept)]
    nodes += [
        helper.make_node("MatMul", [x, "coef_t"], ["scores"], name="linear_matmul"),
        helper.make_node("Add", ["scores", "intercept"], ["logits"], name="linear_add"),
    ]
    head, outputs = classifier_head("logits", len(intercept))
    inputs = [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", num_features])]
    return finish_model(graph_name, doc, nodes + head, inputs, outputs, inits)


# --------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------


def metrics_of(y_true, y_pred):
    return {
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "f1_macro": round(float(f1_score(y_true, y_pred, average="macro")), 4),
    }


def input_example(name, rows, shape):
    data = [float(v) for v in np.asarray(rows, dtype=np.float64).reshape(-1)]
    return {"inputs": [{"name": name, "shape": list(shape), "datatype": "FP32", "data": data}]}


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_version(model_name, version, model, *, framework, description, metrics, example, tags, classes):
    folder = os.path.join(REGISTRY, model_name, str(version))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as fh:
        fh.write(model.SerializeToString())
    write_text(os.path.join(folder, "labels.txt"), "".join(c + "\n" for c in classes))
    meta = {
        "framework": framework,
        "description": description,
        "metrics": metrics,
        "input_example": example,
        "created": CREATED,
        "tags": tags,
        "labels": "labels.txt",
    }
    write_text(os.path.join(folder, "model.json"), json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"{model_name}/{version}: {json.dumps(metrics, sort_keys=True)}")


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def iris():
    data = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, random_state=SEED, stratify=data.target
    )
    example = input_example("float_input", x_test[:2], [2, 4])
    tags = ["classification", "tabular"]

    # v1: heavily regularised logistic regression on the raw features (the weaker model).
    weak = LogisticRegression(C=0.01, max_iter=1000).fit(x_train, y_train)
    model = linear_classifier_onnx(
        "iris_logreg_c0.01",
        "Iris logistic regression, C=0.01, raw features",
        "float_input",
        4,
        weak.coef_,
        weak.intercept_,
    )
    write_version(
        "iris",
        1,
        model,
        framework="sklearn",
        description="Logistic regression with strong L2 regularisation (C=0.01) on the raw iris features, "
        "trained on a stratified 70% split and evaluated on the held-out 30% (random_state=42).",
        metrics=metrics_of(y_test, weak.predict(x_test)),
        example=example,
        tags=tags,
        classes=IRIS_CLASSES,
    )

    # v2: standardised features + logistic regression with the default C=1.0 (the better model).
    scaler = StandardScaler().fit(x_train)
    strong = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(x_train), y_train)
    model = linear_classifier_onnx(
        "iris_scaled_logreg_c1",
        "Iris standard scaler + logistic regression, C=1.0",
        "float_input",
        4,
        strong.coef_,
        strong.intercept_,
        mean=scaler.mean_,
        scale=scaler.scale_,
    )
    write_version(
        "iris",
        2,
        model,
        framework="sklearn",
        description="Standard scaler plus logistic regression (C=1.0) on the iris features, "
        "trained on a stratified 70% split and evaluated on the held-out 30% (random_state=42).",
        metrics=metrics_of(y_test, strong.predict(scaler.transform(x_test))),
        example=example,
        tags=tags,
        classes=IRIS_CLASSES,
    )


def iris_sklearn():
    """A model kept in its framework's own format (a joblib pickle) with no ONNX file beside it.

    ModelDeck lists it like any version; only a deployment with modelServer "script" serves it,
    through examples/scripts/iris_sklearn_predictor.py (which loads model.pkl with joblib).
    """
    import joblib

    data = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, random_state=SEED, stratify=data.target
    )
    forest = RandomForestClassifier(n_estimators=25, max_depth=4, random_state=SEED, n_jobs=1).fit(x_train, y_train)
    folder = os.path.join(REGISTRY, "iris-sklearn", "1")
    os.makedirs(folder, exist_ok=True)
    # Uncompressed, a fixed pickle protocol: the same bytes on every run (and readable by Python >= 3.4).
    joblib.dump(forest, os.path.join(folder, "model.pkl"), compress=0, protocol=4)
    write_text(os.path.join(folder, "labels.txt"), "".join(c + "\n" for c in IRIS_CLASSES))
    metrics = metrics_of(y_test, forest.predict(x_test))
    meta = {
        "framework": "sklearn",
        "description": "Random forest (25 trees, max depth 4) on the iris features, saved with joblib as model.pkl "
        "(no ONNX file: a predictor script serves it); trained on a stratified 70% split and evaluated on the "
        "held-out 30% (random_state=42).",
        "metrics": metrics,
        # The same two test rows as iris' example; a predictor script receives them as V1 instances.
        "input_example": input_example("float_input", x_test[:2], [2, 4]),
        "created": CREATED,
        "tags": ["classification", "tabular", "pickle"],
        "labels": "labels.txt",
    }
    write_text(os.path.join(folder, "model.json"), json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"iris-sklearn/1: {json.dumps(metrics, sort_keys=True)}")


def digits_split():
    data = load_digits()
    return train_test_split(data.data, data.target, test_size=0.25, random_state=SEED, stratify=data.target)


def digits_mlp():
    x_train, x_test, y_train, y_test = digits_split()
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,),
        activation="relu",
        solver="adam",
        alpha=1e-4,
        batch_size=64,
        learning_rate_init=1e-3,
        max_iter=200,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(x_train / 16.0, y_train)
    predictions = mlp.predict(x_test / 16.0)

    (w1, w2), (b1, b2) = mlp.coefs_, mlp.intercepts_
    inits = [f32("pixel_scale", [1.0 / 16.0]), f32("w1", w1), f32("b1", b1), f32("w2", w2), f32("b2", b2)]
    nodes = [
        helper.make_node("Mul", ["pixels", "pixel_scale"], ["scaled"], name="scale_pixels"),
        helper.make_node("MatMul", ["scaled", "w1"], ["h1_mm"], name="dense1_matmul"),
        helper.make_node("Add", ["h1_mm", "b1"], ["h1_pre"], name="dense1_add"),
        helper.make_node("Relu", ["h1_pre"], ["h1"], name="dense1_relu"),
        helper.make_node("MatMul", ["h1", "w2"], ["out_mm"], name="dense2_matmul"),
        helper.make_node("Add", ["out_mm", "b2"], ["logits"], name="dense2_add"),
    ]
    head, outputs = classifier_head("logits", 10)
    inputs = [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 64])]
    model = finish_model(
        "digits_mlp_64", "8x8 digits MLP 64 -> 64 relu -> 10; input raw pixels 0..16", nodes + head, inputs, outputs, inits
    )
    write_version(
        "digits",
        1,
        model,
        framework="sklearn",
        description="MLPClassifier (64 -> 64 ReLU -> 10, Adam) on the 8x8 digits pixels scaled by 1/16, "
        "trained on a stratified 75% split and evaluated on the held-out 25% (random_state=42).",
        metrics=metrics_of(y_test, predictions),
        example=input_example("pixels", x_test[:2], [2, 64]),
        tags=["classification", "image"],
        classes=DIGIT_CLASSES,
    )


# Benchmark CNN layout (VGG-like). The 8x8 image is nearest-upsampled x4 to 32x32 inside the graph
# and then goes through three conv blocks; ints are 3x3 conv widths, "M" is a 2x2 max-pool. It is
# deliberately oversized for the data: one batch-1 inference takes ~1.4 ms on one CPU thread in
# onnxruntime-node (>= 1 ms is the goal) with ~113M multiply-adds, while the file stays ~2.5 MB.
CNN_UPSAMPLE = 4
CNN_LAYERS = (64, 64, 64, "M", 128, 128, "M", 256, "M")
CNN_EPOCHS = 6


def digits_cnn():
    try:
        import torch
        import torch.nn as nn
    except ImportError:
        sys.exit("digits-cnn needs PyTorch: apt-get install -y python3-torch")

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    x_train, x_test, y_train, y_test = digits_split()
    xt = torch.tensor(x_train / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
    yt = torch.tensor(y_train, dtype=torch.int64)
    xe = torch.tensor(x_test / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)

    layers = [nn.Upsample(scale_factor=CNN_UPSAMPLE, mode="nearest")]
    channels, side = 1, 8 * CNN_UPSAMPLE
    for spec in CNN_LAYERS:
        if spec == "M":
            layers.append(nn.MaxPool2d(2))
            side //= 2
        else:
            layers += [nn.Conv2d(channels, spec, 3, padding=1), nn.ReLU()]
            channels = spec
    layers += [nn.Flatten(), nn.Linear(channels * side * side, 10)]
    net = nn.Sequential(*layers)

    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(CNN_EPOCHS):
        net.train()
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(xt), 64):
            idx = order[start : start + 64]
            optimiser.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            optimiser.step()
    net.eval()
    with torch.no_grad():
        predictions = net(xe).argmax(dim=1).numpy()

    # Rebuild the same network as an ONNX graph from the trained weights.
    inits = [
        f32("pixel_scale", [1.0 / 16.0]),
        f32("resize_roi", np.zeros([0])),
        f32("resize_scales", [1.0, 1.0, CNN_UPSAMPLE, CNN_UPSAMPLE]),
    ]
    nodes = [
        helper.make_node("Mul", ["image", "pixel_scale"], ["scaled"], name="scale_pixels"),
        # torch's nearest upsample == ONNX Resize nearest / asymmetric / floor.
        helper.make_node(
            "Resize",
            ["scaled", "resize_roi", "resize_scales"],
            ["upsampled"],
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
            name="upsample",
        ),
    ]
    x, conv_i, pool_i = "upsampled", 0, 0
    for index, layer in enumerate(net):
        if isinstance(layer, nn.Conv2d):
            conv_i += 1
            w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
            inits += [f32(f"conv{conv_i}_w", w), f32(f"conv{conv_i}_b", b)]
            nodes += [
                helper.make_node(
                    "Conv",
                    [x, f"conv{conv_i}_w", f"conv{conv_i}_b"],
                    [f"conv{conv_i}"],
                    kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1],
                    strides=[1, 1],
                    name=f"conv{conv_i}",
                ),
                helper.make_node("Relu", [f"conv{conv_i}"], [f"relu{conv_i}"], name=f"relu{conv_i}"),
            ]
            x = f"relu{conv_i}"
        elif isinstance(layer, nn.MaxPool2d):
            pool_i += 1
            nodes.append(
                helper.make_node("MaxPool", [x], [f"pool{pool_i}"], kernel_shape=[2, 2], strides=[2, 2], name=f"pool{pool_i}")
            )
            x = f"pool{pool_i}"
        elif isinstance(layer, nn.Linear):
            inits += [f32("fc_w", layer.weight.detach().numpy()), f32("fc_b", layer.bias.detach().numpy())]
            nodes += [
                helper.make_node("Flatten", [x], ["flat"], axis=1, name="flatten"),
                helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1, name="fc"),
            ]
    head, outputs = classifier_head("logits", 10)
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 8, 8])]
    arch = "-".join("pool" if s == "M" else f"conv{s}" for s in CNN_LAYERS)
    model = finish_model(
        "digits_cnn",
        f"8x8 digits CNN: upsample x{CNN_UPSAMPLE}-{arch}-fc10; input raw pixels 0..16",
        nodes + head,
        inputs,
        outputs,
        inits,
    )
    widths = "/".join(str(s) for s in CNN_LAYERS if s != "M")
    pools = sum(1 for s in CNN_LAYERS if s == "M")
    write_version(
        "digits-cnn",
        1,
        model,
        framework="pytorch",
        description=f"Convolutional net (8x8 input upsampled x{CNN_UPSAMPLE}, 3x3 convs with {widths} channels, "
        f"ReLU, {pools} 2x2 max-pools, dense 10) trained with Adam for {CNN_EPOCHS} epochs on the 8x8 digits scaled "
        "by 1/16, stratified 75% train / 25% held-out test split (random_state=42).",
        metrics=metrics_of(y_test, predictions),
        example=input_example("image", x_test[:2], [2, 1, 8, 8]),
        tags=["classification", "image", "benchmark"],
        classes=DIGIT_CLASSES,
    )


# The stand-in LLM's training text: real LLM weights cannot be downloaded here (see examples/README.md).
TINY_LM_TEXT = """
ModelDeck serves models from the editor. A model is trained, registered and deployed. The local server
answers requests over REST and gRPC. A predictor script loads the model and answers each request. The
chat tab streams the answer token by token. A large language model would be served by vLLM on a GPU.
This small model only knows a few words, so its answers are short and a little strange. It runs
offline and gives the same answer to the same question. Deploy the same file to KServe and the Hugging
Face runtime serves a real model behind the same routes. Ask a question and the model answers.
"""


def tiny_lm():
    """A word bigram table: for each word, the words that follow it and how often (pure Python, no randomness)."""
    import re
    from collections import Counter, defaultdict

    words = re.findall(r"[A-Za-z']+|[.,]", TINY_LM_TEXT)
    follows = defaultdict(Counter)
    for a, b in zip(words, words[1:]):
        follows[a.lower()][b] += 1
    table = {w: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for w, c in sorted(follows.items())}
    folder = os.path.join(REGISTRY, "tiny-lm", "1")
    write_text(os.path.join(folder, "bigrams.json"), json.dumps({"start": "the", "follows": table}, indent=1, sort_keys=True) + "\n")
    meta = {
        "framework": "python",
        "description": "A word bigram table built from a short bundled text: a deterministic stand-in for an LLM that runs offline, served by examples/scripts/tiny_llm_predictor.py on the OpenAI routes (/openai/v1/...). Swap in vLLM or transformers for a real model (examples/README.md).",
        "created": CREATED,
        "tags": ["llm", "chat", "stand-in"],
    }
    write_text(os.path.join(folder, "model.json"), json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"tiny-lm/1: {len(table)} words")


MODELS = {"iris": iris, "digits": digits_mlp, "digits-cnn": digits_cnn, "iris-sklearn": iris_sklearn, "tiny-lm": tiny_lm}


def main(names):
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown model(s) {', '.join(unknown)}; models: {', '.join(MODELS)}")
    # Each model seeds its own randomness, so building a subset gives the same files as building all.
    for name, build in MODELS.items():
        if not names or name in names:
            build()


if __name__ == "__main__":
    main(sys.argv[1:])
