"""Predictor script for the example model iris-sklearn (a scikit-learn random forest in model.pkl).

Hopsworks-style: the serving host imports this file, creates one Predictor (which loads the model
from MODEL_FILES_PATH, the version folder) and calls predict() for every request with the request's
KServe V1 "instances". It needs scikit-learn and joblib in the interpreter that runs it, e.g.
Debian's /usr/bin/python3 with python3-sklearn (set "predictor.environment" to pick one).

    curl -s localhost:8080/v1/models/iris-sklearn:predict -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
    {"predictions": [0]}
"""
import os

import joblib
import numpy

# The four iris features, in the order the model was trained on (all in cm).
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


class Predictor(object):
    def __init__(self):
        """Loads model.pkl from the version folder the serving host names in MODEL_FILES_PATH."""
        model_files_path = os.environ.get("MODEL_FILES_PATH", "")
        if not model_files_path:
            raise RuntimeError("MODEL_FILES_PATH is not set: it must name the model version folder")
        self.model = joblib.load(os.path.join(model_files_path, "model.pkl"))
        print(f"loaded {type(self.model).__name__} from {model_files_path}")

    def predict(self, inputs):
        """One class index per row (0 setosa, 1 versicolor, 2 virginica, as in labels.txt)."""
        print(f"predicting {len(inputs)} row{'' if len(inputs) == 1 else 's'}")
        rows = numpy.asarray(inputs, dtype=numpy.float64)
        if rows.ndim != 2 or rows.shape[1] != len(FEATURES):
            raise ValueError(
                f"expected rows of {len(FEATURES)} numbers ({', '.join(FEATURES)}), got an array of shape {list(rows.shape)}"
            )
        return [int(label) for label in self.model.predict(rows)]
