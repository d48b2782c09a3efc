"""Builds the issue-12 benchmark's model: LogisticRegression on scikit-learn's bundled iris data set,
deterministic (fixed solver, no randomness), saved with joblib as <version folder>/model.pkl.

    /usr/bin/python3 bench/scripts/train_sklearn.py <version folder>

Prints one JSON line: the scikit-learn version, the training accuracy and the classes.
"""
import json
import os
import sys

import joblib
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    x, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=1000, solver="lbfgs")
    model.fit(x, y)
    joblib.dump(model, os.path.join(out, "model.pkl"))
    print(json.dumps({"sklearn": sklearn.__version__, "accuracy": float(model.score(x, y)), "classes": [int(c) for c in model.classes_]}))


if __name__ == "__main__":
    main()
