"""The in-process figure of the issue-12 benchmark: Predictor.predict(instances) called in a plain
Python loop in one process (no server, no channel), timed per call with time.perf_counter.

    MODEL_FILES_PATH=<version folder> /usr/bin/python3 bench/scripts/in_process.py '<json config>'

config: {"script": path, "instances": [...], "warmup": n, "calls": n}. Prints one JSON line with the
median, p90, p99 and mean per call in ms and the call rate.
"""
import importlib.util
import json
import os
import sys
import time


def main():
    cfg = json.loads(sys.argv[1])
    script = os.path.abspath(cfg["script"])
    sys.path.insert(0, os.path.dirname(script))
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(script))[0], script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    predictor = module.Predictor()
    instances = cfg["instances"]
    for _ in range(int(cfg.get("warmup", 200))):
        predictor.predict(instances)
    n = int(cfg.get("calls", 3000))
    times = []
    predict = predictor.predict
    perf = time.perf_counter
    t_start = perf()
    for _ in range(n):
        t0 = perf()
        predict(instances)
        times.append(perf() - t0)
    elapsed = perf() - t_start
    times.sort()
    at = lambda p: times[min(n - 1, max(0, int(-(-p * n // 100)) - 1))] * 1000.0
    print(json.dumps({
        "calls": n,
        "p50Ms": at(50),
        "p90Ms": at(90),
        "p99Ms": at(99),
        "meanMs": sum(times) / n * 1000.0,
        "callsPerSec": n / elapsed,
        "prediction": predictor.predict(instances),
        "python": sys.version.split()[0],
        "executable": sys.executable,
    }))


if __name__ == "__main__":
    main()
