import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localServingGaps } from '../../src/core/deployment/localServingGaps';
import { parseDeployment } from '../../src/core/deployment/validateDeployment';

describe('what the local server does not carry out yet is said, never ignored', () => {
  it('a plain ONNX deployment has no gaps', () => {
    assert.deepEqual(localServingGaps(parseDeployment({ name: 'iris', model: { name: 'iris', version: 2 } })), []);
  });

  it('scripts run and the inference logger is honoured: no gaps', () => {
    const gaps = localServingGaps(
      parseDeployment({
        name: 'iris',
        model: { name: 'iris', version: 2 },
        modelServer: 'script',
        predictor: { script: 'scripts/predictor.py' },
        transformer: { script: 'scripts/transformer.py' },
        inferenceLogger: { mode: 'all', sink: 'logs/inference.jsonl' },
      }),
    );
    assert.deepEqual(gaps, []);
  });
});
