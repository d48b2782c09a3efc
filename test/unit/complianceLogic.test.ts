// The compliance check's pure parts: model metadata problems, values against datatypes, output
// checks, comparing two answers, the Markdown and text reports, and `modeldeck check`'s arguments.
// (The checks against real servers are in test/server/compliance.test.ts.)
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseCheckArgs, UsageError } from '../../src/cli/checkCli';
import { reportMarkdown, reportText } from '../../src/core/compliance/complianceMarkdown';
import type { ComplianceReport } from '../../src/core/compliance/complianceTypes';
import { fitsDatatype, modelMetadataProblems, outputProblems, sameOutputs } from '../../src/core/compliance/tensorChecks';

describe('model metadata problems', () => {
  it('accepts OIP metadata and names each problem of a bad one', () => {
    const good = { name: 'iris', versions: ['2'], platform: 'onnxruntime_onnx', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [] };
    const ok = modelMetadataProblems(good, 'iris');
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.meta?.inputs[0]?.name, 'x');
    const bad = modelMetadataProblems({ name: 'other', versions: [2], inputs: [{ name: 'x', datatype: 'FLOAT', shape: [-2] }], outputs: {} }, 'iris');
    assert.deepEqual(bad.problems, [
      '"name" is "other", not "iris"',
      '"platform" is missing or not a string',
      '"versions" is not a list of strings',
      'inputs[0].datatype "FLOAT" is not an OIP datatype',
      'inputs[0].shape [-2] is not a list of sizes (-1 for dynamic)',
      '"outputs" is not a list',
    ]);
    assert.equal(bad.meta, undefined);
    assert.deepEqual(modelMetadataProblems('nope', 'iris').problems, ['the answer is not a JSON object']);
  });
});

describe('values and outputs', () => {
  it('checks JSON values against datatypes', () => {
    assert.ok(fitsDatatype('BOOL', true) && !fitsDatatype('BOOL', 1));
    assert.ok(fitsDatatype('BYTES', 'a') && !fitsDatatype('BYTES', 1));
    assert.ok(fitsDatatype('INT64', -3) && fitsDatatype('INT64', '-9223372036854775808') && !fitsDatatype('INT64', 1.5));
    assert.ok(fitsDatatype('UINT8', 0) && !fitsDatatype('UINT8', -1));
    assert.ok(fitsDatatype('FP32', 0.5) && !fitsDatatype('FP32', '0.5'));
  });

  it('names unknown outputs, datatype mismatches, counts that do not fit the shape and bad values', () => {
    const declared = [{ name: 'p', datatype: 'FP32', shape: [-1, 3] }];
    assert.deepEqual(outputProblems([{ name: 'p', datatype: 'FP32', shape: [1, 3], data: [0.1, 0.2, 0.7] }], declared), []);
    assert.deepEqual(outputProblems([], declared), ['the answer has no outputs']);
    assert.deepEqual(
      outputProblems(
        [
          { name: 'p', datatype: 'FP64', shape: [1, 3], data: [0.1, 0.2] },
          { name: 'q', datatype: 'BOOL', shape: [1], data: [1] },
        ],
        declared,
      ),
      [
        'output "p" is FP64, metadata says FP32',
        'output "p": shape [1,3] holds 3 elements, data has 2',
        'output "q" is not in the model metadata',
        'output "q": data[0] 1 is not a BOOL value',
      ],
    );
  });

  it('compares two answers to the same request (floats within 1e-6 relative)', () => {
    const a = [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.1, 0.9] }];
    assert.deepEqual(sameOutputs(a, [{ name: 'p', datatype: 'FP32', shape: [1, 2], data: [0.10000000149, 0.9] }]), []);
    assert.deepEqual(sameOutputs(a, [{ name: 'p', datatype: 'FP32', shape: [2, 1], data: [0.1, 0.8] }]), ['output "p" has shape [2,1], the JSON answer [1,2]', 'output "p": element 1 is 0.8, the JSON answer 0.9']);
    assert.deepEqual(sameOutputs(a, []), ['output "p" is missing']);
  });
});

const REPORT: ComplianceReport = {
  target: { url: 'http://127.0.0.1:8080', grpc: '127.0.0.1:8081', model: 'iris' },
  model: 'iris',
  startedAt: '2026-12-04T00:00:00.000Z',
  durationMs: 1234,
  counts: { pass: 1, fail: 1, skipped: 0 },
  results: [
    { id: 'rest.health.live', title: 'Server live', section: 'OIP REST · Health', sectionUrl: 'https://example.org/#health', status: 'pass', detail: '200', exchanges: [{ method: 'GET', target: 'http://127.0.0.1:8080/v2/health/live', status: '200', responseBody: '' }] },
    { id: 'rest.error.shape', title: 'Bad | shape', section: 'OIP REST · Errors', sectionUrl: 'https://example.org/#errors', status: 'fail', detail: 'answered 200, the spec requires 400', exchanges: [{ method: 'POST', target: 'http://127.0.0.1:8080/v2/models/iris/infer', requestBody: '{"inputs":[]}', status: '200', responseBody: '```{}' }] },
  ],
};

describe('reports', () => {
  it('Markdown: totals, one table row per check (pipes escaped), the exchanges fenced', () => {
    const md = reportMarkdown(REPORT);
    assert.match(md, /^# Open Inference Protocol compliance: http:\/\/127\.0\.0\.1:8080$/m);
    assert.match(md, /\*\*1 passed, 1 failed, 0 skipped\*\*/);
    assert.match(md, /^\| `rest\.error\.shape` Bad \\\| shape \| ❌ fail \| \[OIP REST · Errors\]\(https:\/\/example\.org\/#errors\) \| answered 200, the spec requires 400 \|$/m);
    // A body holding ``` gets a longer fence, so it cannot end the block.
    assert.match(md, /Received:\n\n````\n```\{\}\n````/);
  });

  it('text: one line per check and the totals', () => {
    const text = reportText(REPORT);
    assert.match(text, /^PASS {2}rest\.health\.live {2}200$/m);
    assert.match(text, /^FAIL {2}rest\.error\.shape {2}answered 200/m);
    assert.match(text, /^1 passed, 1 failed, 0 skipped$/m);
  });
});

describe('modeldeck check arguments', () => {
  it('reads URL, --grpc, --model, --header (repeatable), --json / --markdown', () => {
    const a = parseCheckArgs(['http://h:8080', '--grpc', 'grpc://h:8081', '--model', 'iris', '--header', 'Host: iris.example.com', '--header', 'Authorization: Bearer t', '--json']);
    assert.deepEqual(a, { target: { url: 'http://h:8080', grpc: 'h:8081', model: 'iris', headers: { Host: 'iris.example.com', Authorization: 'Bearer t' } }, output: 'json' });
    assert.equal(parseCheckArgs(['https://x', '--markdown']).output, 'markdown');
  });

  it('refuses what it cannot run, saying why', () => {
    for (const [args, re] of [
      [[], /URL is missing/],
      [['ftp://x'], /not an http\(s\) URL/],
      [['http://x', '--grpc'], /--grpc needs a value/],
      [['http://x', '--grpc', 'nohost'], /expected HOST:PORT/],
      [['http://x', '--header', 'novalue'], /expected NAME:VALUE/],
      [['http://x', '--bogus'], /unknown option --bogus/],
      [['http://x', 'http://y'], /unexpected argument/],
      [['http://x', '--request', '/does/not/exist.json'], /--request \/does\/not\/exist\.json/],
    ] as [string[], RegExp][]) {
      assert.throws(() => parseCheckArgs(args), (e: Error) => e instanceof UsageError && re.test(e.message), args.join(' '));
    }
  });
});
