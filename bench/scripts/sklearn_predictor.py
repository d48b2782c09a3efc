"""Predictor script of the issue-12 benchmark (bench/scriptsPhase.ts): a scikit-learn model from joblib.

Hopsworks-style, as a user would write it: the serving host imports this file, builds one Predictor
(which loads model.pkl from MODEL_FILES_PATH, the model version folder) and calls predict() with the
request's KServe V1 "instances". ModelDeck's Python host and the Flask peer (bench/flaskPeer.py) both
import this same file; bench/scripts/in_process.py times predict() called directly.
"""
import os

import joblib
import numpy


class Predictor(object):
    def __init__(self):
        model_files_path = os.environ.get("MODEL_FILES_PATH", "")
        if not model_files_path:
            raise RuntimeError("MODEL_FILES_PATH is not set: it must name the model version folder")
        self.model = joblib.load(os.path.join(model_files_path, "model.pkl"))

    def predict(self, inputs):
        """One class index per row."""
        rows = numpy.asarray(inputs, dtype=numpy.float64)
        return self.model.predict(rows).tolist()
