/**
 * Predictor script for the example ONNX model iris, in plain JavaScript (CommonJS).
 *
 * Hopsworks-style: the serving host loads this file, creates one Predictor and awaits predict() for
 * every request with the request's KServe V1 "instances". The constructor starts loading the model
 * in MODEL_FILES_PATH (the version folder) with onnxruntime-node, which ModelDeck's server provides
 * to scripts (elsewhere: npm install onnxruntime-node beside this file).
 *
 *     curl -s localhost:8080/v1/models/iris-js:predict -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
 *     {"predictions": [{"label": 0, "class": "setosa", "probabilities": [...]}]}
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const ort = require('onnxruntime-node');

class Predictor {
  constructor() {
    const modelFilesPath = process.env.MODEL_FILES_PATH;
    if (!modelFilesPath) throw new Error('MODEL_FILES_PATH is not set: it must name the model version folder');
    this.labels = readLabels(modelFilesPath);
    this.loading = ort.InferenceSession.create(path.join(modelFilesPath, 'model.onnx'), { executionProviders: ['cpu'] });
    // predict() reports a failed load; until then it must not count as an unhandled rejection.
    this.loading.catch(() => undefined);
  }

  /** One prediction per row: the class index, its name and the class probabilities. */
  async predict(inputs) {
    const session = await this.loading;
    console.log(`predicting ${inputs.length} row${inputs.length === 1 ? '' : 's'}`);
    const rows = inputs.map((row, i) => {
      if (!Array.isArray(row) || row.length !== 4 || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new Error(`instances[${i}]: expected 4 numbers (sepal length, sepal width, petal length, petal width), got ${JSON.stringify(row)}`);
      }
      return row;
    });
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]);
    const out = await session.run({ [session.inputNames[0]]: input });
    const labels = out.label.data; // BigInt64Array
    const probabilities = out.probabilities.data;
    const classes = out.probabilities.dims[1];
    return rows.map((_, i) => {
      const label = Number(labels[i]);
      return {
        label,
        class: this.labels[label],
        probabilities: Array.from(probabilities.subarray(i * classes, (i + 1) * classes), (p) => Math.round(p * 1e6) / 1e6),
      };
    });
  }
}

/** One class name per line of labels.txt. */
function readLabels(folder) {
  const lines = fs.readFileSync(path.join(folder, 'labels.txt'), 'utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

module.exports = { Predictor };
