"""Transformer script for the example ONNX model iris: named features in, class names out.

Hopsworks-style: the serving host imports this file, creates one Transformer and, for every
request, calls preprocess() before the model and postprocess() after it. Standard library only.

preprocess accepts each row as a list of four numbers or as an object with the feature names,
checks it, and hands the model plain four-float rows:

    {"instances": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]}
    -> {"instances": [[5.1, 3.5, 1.4, 0.2]]}

postprocess turns each prediction's class index (the model's "label" output) into its name from the
version's labels file:

    {"predictions": [{"label": 0, "probabilities": [...]}]}  ->  {"predictions": ["setosa"]}
"""
import json
import math
import os

# The four iris features, in the order the model takes them (all in cm).
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
# Anything outside this is not an iris measured in cm (a typo, or mm).
MAX_CM = 100.0


class Transformer(object):
    def __init__(self):
        """Reads the class names of the served version (model.json "labels", else labels.txt)."""
        model_files_path = os.environ.get("MODEL_FILES_PATH", "")
        if not model_files_path:
            raise RuntimeError("MODEL_FILES_PATH is not set: it must name the model version folder")
        self.labels = read_labels(model_files_path)

    def preprocess(self, inputs):
        """{"instances": [row, ...]} with rows as lists or dicts -> {"instances": [[4 floats], ...]}."""
        instances = inputs.get("instances") if isinstance(inputs, dict) else None
        if not isinstance(instances, list) or not instances:
            raise ValueError('expected a body {"instances": [...]} with at least one row')
        inputs["instances"] = [to_row(row, i) for i, row in enumerate(instances)]
        return inputs

    def postprocess(self, outputs):
        """{"predictions": [class index or {"label": index, ...}, ...]} -> {"predictions": [class name, ...]}."""
        predictions = outputs.get("predictions") if isinstance(outputs, dict) else None
        if not isinstance(predictions, list):
            raise ValueError('expected a response {"predictions": [...]}')
        outputs["predictions"] = [self.name_of(p) for p in predictions]
        return outputs

    def name_of(self, prediction):
        label = prediction.get("label") if isinstance(prediction, dict) else prediction
        if isinstance(label, list) and len(label) == 1:
            label = label[0]
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(self.labels):
            raise ValueError(f"prediction {json.dumps(prediction)} has no class index 0..{len(self.labels) - 1}")
        return self.labels[label]


def to_row(row, index):
    """Four finite, non-negative floats from a list of numbers or an object keyed by feature name."""
    if isinstance(row, dict):
        missing = [f for f in FEATURES if f not in row]
        unknown = sorted(k for k in row if k not in FEATURES)
        if missing or unknown:
            raise ValueError(
                f"instances[{index}]: expected the keys {', '.join(FEATURES)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        values = [row[f] for f in FEATURES]
    elif isinstance(row, list):
        if len(row) != len(FEATURES):
            raise ValueError(f"instances[{index}]: expected {len(FEATURES)} numbers ({', '.join(FEATURES)}), got {len(row)}")
        values = row
    else:
        raise ValueError(f"instances[{index}]: expected a list of {len(FEATURES)} numbers or an object with {', '.join(FEATURES)}")
    out = []
    for name, value in zip(FEATURES, values):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"instances[{index}].{name}: expected a number, got {json.dumps(value)}")
        if not 0 <= value <= MAX_CM:
            raise ValueError(f"instances[{index}].{name}: expected a length in cm between 0 and {MAX_CM:g}, got {value}")
        out.append(float(value))
    return out


def read_labels(folder):
    """One class name per line of the labels file model.json names (labels.txt when it names none)."""
    name = "labels.txt"
    meta_file = os.path.join(folder, "model.json")
    if os.path.isfile(meta_file):
        with open(meta_file, encoding="utf-8") as fh:
            name = json.load(fh).get("labels", name)
    with open(os.path.join(folder, name), encoding="utf-8") as fh:
        labels = [line.strip() for line in fh.read().splitlines()]
    while labels and not labels[-1]:
        labels.pop()
    if not labels:
        raise RuntimeError(f"{os.path.join(folder, name)} names no classes")
    return labels
