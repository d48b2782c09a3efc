"""ModelDeck predictor script, older Hopsworks form: a Predict class with predict, classify and regress.

Serves the ONNX model in MODEL_FILES_PATH with onnxruntime (pip install onnxruntime, or
onnxruntime-gpu for CUDA). New scripts should use the Predictor form (predictor.py).
"""
import glob
import os

# Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):
#   predict      receives the request's instances as a Python list of rows (KServe V1 "instances")
#                and returns a list of predictions, one per row.
#   preprocess   receives and returns the request payload dict {"instances": [...]}.
#   postprocess  receives and returns the response dict {"predictions": [...]}.
# classify and regress receive the same list of rows and also return one value per row.

# onnxruntime input types and the numpy dtypes that feed them.
NUMPY_DTYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "object",
}


class Predict(object):
    def __init__(self):
        """Loads the model from MODEL_FILES_PATH into an onnxruntime InferenceSession."""
        try:
            import numpy
            import onnxruntime
        except ImportError as err:
            raise ImportError(
                "This predictor needs onnxruntime, which could not be imported (" + str(err) + "). "
                "Install it in the predictor's environment: pip install onnxruntime "
                "(or pip install onnxruntime-gpu for CUDA)."
            ) from err
        self.numpy = numpy

        # Set by the serving host (ModelDeck or Hopsworks).
        self.model_files_path = os.environ.get("MODEL_FILES_PATH", "")
        if not self.model_files_path:
            raise RuntimeError("MODEL_FILES_PATH is not set: it must name the model version folder or its .onnx file")
        self.artifact_files_path = os.environ.get("ARTIFACT_FILES_PATH", self.model_files_path)
        self.deployment_name = os.environ.get("DEPLOYMENT_NAME", "")
        self.model_name = os.environ.get("MODEL_NAME", "")
        self.model_version = os.environ.get("MODEL_VERSION", "")
        self.artifact_version = os.environ.get("ARTIFACT_VERSION", "")

        available = onnxruntime.get_available_providers()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        self.session = onnxruntime.InferenceSession(find_onnx_file(self.model_files_path), providers=providers)
        self.inputs = self.session.get_inputs()
        self.output_names = [output.name for output in self.session.get_outputs()]

    def predict(self, inputs):
        """One prediction per row: the model's only output, or a dict of all outputs keyed by name."""
        columns = self.run(inputs)
        if len(columns) == 1:
            return columns[0]
        return [{name: column[i] for name, column in zip(self.output_names, columns)} for i in range(len(inputs))]

    def classify(self, inputs):
        """One class per row: the "label" output when the model has one, else the argmax of its first output."""
        columns = self.run(inputs)
        if "label" in self.output_names:
            return columns[self.output_names.index("label")]
        return [int(self.numpy.argmax(row)) for row in columns[0]]

    def regress(self, inputs):
        """One value per row: the model's first output, single-value rows unwrapped."""
        return [row[0] if isinstance(row, list) and len(row) == 1 else row for row in self.run(inputs)[0]]

    def run(self, rows):
        """Runs the model; returns every output as a list with one entry per row."""
        if len(self.inputs) == 1:
            only = self.inputs[0]
            feed = {only.name: self.numpy.asarray(rows, dtype=numpy_dtype(only))}
        else:
            feed = {
                node.name: self.numpy.asarray([row[node.name] for row in rows], dtype=numpy_dtype(node))
                for node in self.inputs
            }
        return [to_list(output) for output in self.session.run(self.output_names, feed)]


def numpy_dtype(node):
    """The numpy dtype for an onnxruntime input."""
    if node.type not in NUMPY_DTYPES:
        raise ValueError("input " + node.name + " has type " + node.type + ", which this predictor does not feed")
    return NUMPY_DTYPES[node.type]


def find_onnx_file(path):
    """path itself when it is an .onnx file; else model.onnx, or the only *.onnx file, in the folder path."""
    if os.path.isfile(path) and path.endswith(".onnx"):
        return path
    if os.path.isfile(os.path.join(path, "model.onnx")):
        return os.path.join(path, "model.onnx")
    found = sorted(glob.glob(os.path.join(path, "*.onnx")))
    if len(found) != 1:
        raise FileNotFoundError(
            "expected model.onnx or exactly one .onnx file in " + path + ", found " + str(len(found))
        )
    return found[0]


def to_list(value):
    """JSON-ready rows of an output: numpy arrays become nested lists, sequences (e.g. ZipMap) are kept."""
    return value.tolist() if hasattr(value, "tolist") else list(value)
