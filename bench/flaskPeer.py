"""The Flask peer of the issue-12 benchmark: Hopsworks' legacy Python serving, seed shape.

Like hopsworks-chef's sklearn_flask_server.py: a Flask app that imports the user's predictor file,
builds the Predictor once, routes the KServe V1 verb to it and runs Flask's own server with
threaded=True (one thread per connection). Same predictor file, model and requests as ModelDeck's
script deployment in bench/scriptsPhase.ts.

    MODEL_FILES_PATH=<version folder> /usr/bin/python3 bench/flaskPeer.py '<json config>'

config: {"script": predictor file, "port": N}. When it accepts connections it prints one JSON line
{"msg": "listening", "protocol": "rest", "httpPort": N} on stderr (what bench/processes.ts waits for).
Werkzeug's per-request access log is turned off: ModelDeck logs no line per request at --log-level
info either, and a log write per request would only slow the peer down.
"""
import importlib.util
import json
import logging
import os
import socket
import sys
import threading
import time

from flask import Flask, jsonify, request


def load_predictor(script):
    script = os.path.abspath(script)
    sys.path.insert(0, os.path.dirname(script))
    name = os.path.splitext(os.path.basename(script))[0]
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, "Predictor", None) or getattr(module, "Predict")
    return cls()


def announce_when_listening(port):
    """Prints the listening line once the server accepts connections (app.run blocks this thread)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                sys.stderr.write(json.dumps({"msg": "listening", "protocol": "rest", "httpPort": port}) + "\n")
                sys.stderr.flush()
                return
        except OSError:
            time.sleep(0.05)


def main():
    cfg = json.loads(sys.argv[1])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    predictor = load_predictor(cfg["script"])
    app = Flask(__name__)

    @app.route("/v1/models/<name>:predict", methods=["POST"])
    def predict(name):
        instances = request.get_json()["instances"]
        return jsonify({"predictions": predictor.predict(instances)})

    port = int(cfg["port"])
    threading.Thread(target=announce_when_listening, args=(port,), daemon=True).start()
    app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
