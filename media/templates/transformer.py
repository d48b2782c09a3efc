"""ModelDeck transformer script: pre- and post-processing around the predictor (Hopsworks-style).

The serving host imports this file, creates one Transformer and, for every request, calls
preprocess() before the predictor and postprocess() after it. It needs no third-party packages.
"""
import os

# Contract (as in Hopsworks; the ModelDeck script host calls these methods the same way):
#   predict      receives the request's instances as a Python list of rows (KServe V1 "instances")
#                and returns a list of predictions, one per row.
#   preprocess   receives and returns the request payload dict {"instances": [...]}.
#   postprocess  receives and returns the response dict {"predictions": [...]}.


class Transformer(object):
    def __init__(self):
        """Runs once, before the first request: read settings and files here."""
        # Set by the serving host (ModelDeck or Hopsworks).
        self.model_files_path = os.environ.get("MODEL_FILES_PATH", "")
        self.artifact_files_path = os.environ.get("ARTIFACT_FILES_PATH", self.model_files_path)
        self.deployment_name = os.environ.get("DEPLOYMENT_NAME", "")
        self.model_name = os.environ.get("MODEL_NAME", "")
        self.model_version = os.environ.get("MODEL_VERSION", "")
        self.artifact_version = os.environ.get("ARTIFACT_VERSION", "")

    def preprocess(self, inputs):
        """Receives the request payload {"instances": [...]} and returns the payload the predictor gets."""
        instances = inputs.get("instances") if isinstance(inputs, dict) else None
        if not isinstance(instances, list):
            raise ValueError('preprocess expects a payload {"instances": [...]} with a list of rows')
        # Change the rows here, e.g. scale features or turn categories into numbers.
        inputs["instances"] = [row for row in instances]
        return inputs

    def postprocess(self, outputs):
        """Receives the predictor's response {"predictions": [...]} and returns the response sent back."""
        predictions = outputs.get("predictions") if isinstance(outputs, dict) else None
        if not isinstance(predictions, list):
            raise ValueError('postprocess expects a response {"predictions": [...]} with one prediction per row')
        # Change the predictions here, e.g. map class indexes to label names.
        outputs["predictions"] = [prediction for prediction in predictions]
        return outputs
