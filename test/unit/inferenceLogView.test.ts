/**
 * The Inference Log's pure parts: records paired by inferenceId (newest first, bounded), the
 * filter, payloads as text (pretty JSON, base64 binary with its size), and Replay turning every
 * protocol's logged request into the JSON body the predict panel sends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InferenceLogRecord } from '../../src/core/inferenceLog/inferenceLogRecord';
import { InferenceLogStore, payloadView } from '../../src/core/inferenceLog/inferenceLogView';
import { pretty, replayText } from '../../src/core/inferenceLog/replayRequest';
import { encodeTensorBytes } from '../../src/core/predict/tensorData';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function req(id: string, payload: unknown, extra: Partial<InferenceLogRecord> = {}): InferenceLogRecord {
  return { inferenceId: id, messageType: 'request', modelName: 'iris', modelVersion: 2, requestTimestamp: T0, protocol: 'v2-rest', contentType: 'application/json', payload, ...extra };
}
function res(id: string, payload: unknown, extra: Partial<InferenceLogRecord> = {}): InferenceLogRecord {
  return { inferenceId: id, messageType: 'response', modelName: 'iris', modelVersion: 2, requestTimestamp: T0, responseHttpCode: 200, latencyMs: 1.5, protocol: 'v2-rest', contentType: 'application/json', payload, ...extra };
}

const V2 = { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };

describe('InferenceLogStore', () => {
  it('pairs a request and its response by inferenceId, newest first', () => {
    const s = new InferenceLogStore();
    s.add([req('a', V2), req('b', V2, { protocol: 'grpc' })]);
    s.add([res('a', { outputs: [] }), res('b', {}, { protocol: 'grpc', latencyMs: 3 })]);
    s.add([req('c', { instances: [[1, 2, 3, 4]] }, { protocol: 'v1-rest' })]);
    const { rows, total, protocols } = s.rows();
    assert.equal(total, 3);
    assert.deepEqual(rows.map((r) => r.id), ['c', 'b', 'a']);
    assert.deepEqual(rows[1], { id: 'b', time: T0, protocol: 'grpc', status: 200, latencyMs: 3, version: 2, has: { request: true, response: true }, truncated: false });
    assert.equal(rows[0]!.status, undefined);
    assert.deepEqual(protocols, ['grpc', 'v1-rest', 'v2-rest']);
  });

  it('a response logged before its request (mode "response", or files read out of order) still pairs', () => {
    const s = new InferenceLogStore();
    s.add([res('x', { outputs: [] })]);
    s.add([req('x', V2)]);
    assert.equal(s.size, 1);
    assert.deepEqual(s.rows().rows[0]!.has, { request: true, response: true });
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const s = new InferenceLogStore(3);
    s.add(['1', '2', '3', '4', '5'].map((id) => req(id, V2)));
    assert.deepEqual(s.rows().rows.map((r) => r.id), ['5', '4', '3']);
    assert.equal(s.get('1'), undefined);
  });

  it('filters by text over id and payloads, protocol and status', () => {
    const s = new InferenceLogStore();
    s.add([req('id-one', V2), res('id-one', { outputs: [{ name: 'label', data: ['setosa'] }] }), req('id-two', { instances: [[9]] }, { protocol: 'v1-rest' })]);
    assert.deepEqual(s.rows({ text: 'SETOSA' }).rows.map((r) => r.id), ['id-one']);
    assert.deepEqual(s.rows({ text: 'two' }).rows.map((r) => r.id), ['id-two']);
    assert.deepEqual(s.rows({ text: 'float_input' }).rows.map((r) => r.id), ['id-one']);
    assert.deepEqual(s.rows({ protocol: 'v1-rest' }).rows.map((r) => r.id), ['id-two']);
    assert.deepEqual(s.rows({ status: 'answered' }).rows.map((r) => r.id), ['id-one']);
    assert.deepEqual(s.rows({ status: 'unanswered' }).rows.map((r) => r.id), ['id-two']);
    assert.deepEqual(s.rows({ status: '200' }).rows.map((r) => r.id), ['id-one']);
    assert.equal(s.rows({ text: 'nothing like this' }).total, 0);
    // The search text follows a response added later.
    s.add([res('id-two', { predictions: ['virginica'] }, { protocol: 'v1-rest' })]);
    assert.deepEqual(s.rows({ text: 'virginica' }).rows.map((r) => r.id), ['id-two']);
  });

  it('detail: both payloads, and whether Replay can send the request', () => {
    const s = new InferenceLogStore();
    s.add([req('a', V2), res('a', { outputs: [] }), res('only-response', {})]);
    const d = s.detail('a')!;
    assert.equal(d.request!.kind, 'json');
    assert.equal(d.request!.text, pretty(V2));
    assert.equal(d.response!.text, pretty({ outputs: [] }));
    assert.deepEqual(d.replay, { ok: true });
    assert.deepEqual(s.detail('only-response')!.replay, { ok: false, reason: 'the request was not logged (mode "response")' });
    assert.equal(s.detail('nope'), undefined);
  });
});

describe('payloadView', () => {
  it('base64 binary is shown as such, with its size and the JSON header', () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }] }));
    const bytes = Buffer.concat([header, Buffer.from(encodeTensorBytes('FP32', [1, 2]))]);
    const v = payloadView(req('b', { base64: bytes.toString('base64') }, { protocol: 'v2-rest-binary', contentType: 'application/octet-stream', binaryHeaderLength: header.length }));
    assert.equal(v.kind, 'binary');
    assert.equal(v.bytes, bytes.length);
    assert.equal(v.text, bytes.toString('base64'));
    assert.match(v.header!, /"binary_data_size": 8/);
  });

  it('a cut JSON payload is the cut text', () => {
    const v = payloadView(req('t', '{"inputs":[{"na', { truncatedFrom: 2_000_000 }));
    assert.deepEqual(v, { contentType: 'application/json', truncatedFrom: 2_000_000, kind: 'truncated', text: '{"inputs":[{"na' });
  });
});

describe('pretty', () => {
  it('indents by two with short lists of plain values on one line; same value as the input', () => {
    assert.equal(pretty(V2), '{\n  "inputs": [\n    {\n      "name": "float_input",\n      "datatype": "FP32",\n      "shape": [1, 4],\n      "data": [5.1, 3.5, 1.4, 0.2]\n    }\n  ]\n}');
    const odd = { a: [], b: {}, c: [[1, 2], [3]], d: 'x]"[', e: null, long: Array.from({ length: 40 }, (_, i) => i * 1000) };
    assert.deepEqual(JSON.parse(pretty(odd)), odd);
    assert.ok(pretty(odd).includes('"long": [\n'), 'a long list is one value per line');
  });
});

describe('replayText', () => {
  it('V2 and V1 JSON: the payload as it was received', () => {
    assert.deepEqual(replayText(req('a', V2)), { ok: true, text: pretty(V2) });
    const v1 = { instances: [[5.1, 3.5, 1.4, 0.2]] };
    assert.deepEqual(replayText(req('b', v1, { protocol: 'v1-rest' })), { ok: true, text: pretty(v1) });
  });

  it('REST binary: the V2 JSON form (binary inputs decoded, binary outputs asked as JSON)', () => {
    const header = Buffer.from(
      JSON.stringify({
        id: 'r1',
        inputs: [
          { name: 'float_input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } },
          { name: 'ids', datatype: 'INT64', shape: [2], data: [7, 8] },
          { name: 'text', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 16 } },
        ],
        outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
        parameters: { binary_data_output: true },
      }),
    );
    const body = Buffer.concat([header, Buffer.from(encodeTensorBytes('FP32', [5.5, 3.5, 1.25, 0.5])), Buffer.from(encodeTensorBytes('BYTES', ['abc', 'hello']))]);
    const r = replayText(req('b', { base64: body.toString('base64') }, { protocol: 'v2-rest-binary', contentType: 'application/octet-stream', binaryHeaderLength: header.length }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(JSON.parse(r.text), {
      id: 'r1',
      inputs: [
        { name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.5, 3.5, 1.25, 0.5] },
        { name: 'ids', datatype: 'INT64', shape: [2], data: [7, 8] },
        { name: 'text', datatype: 'BYTES', shape: [2], data: ['abc', 'hello'] },
      ],
      outputs: [{ name: 'probabilities' }],
    });
    assert.match(r.note!, /binary/);
  });

  it('gRPC: typed contents and raw_input_contents become V2 JSON inputs', () => {
    const typed = {
      model_name: 'iris',
      id: 'g1',
      inputs: [
        { name: 'float_input', datatype: 'FP32', shape: ['1', '4'], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } },
        { name: 'n', datatype: 'INT64', shape: ['1'], contents: { int64_contents: ['42'] }, parameters: { note: { string_param: 'x' } } },
        { name: 's', datatype: 'BYTES', shape: ['1'], contents: { bytes_contents: [Buffer.from('hi').toString('base64')] } },
      ],
      outputs: [{ name: 'label' }],
    };
    const r = replayText(req('g', typed, { protocol: 'grpc', contentType: 'application/grpc+json' }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(JSON.parse(r.text), {
      id: 'g1',
      inputs: [
        { name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] },
        { name: 'n', datatype: 'INT64', shape: [1], parameters: { note: 'x' }, data: [42] },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['hi'] },
      ],
      outputs: [{ name: 'label' }],
    });
    const raw = {
      modelName: 'iris',
      inputs: [{ name: 'float_input', datatype: 'FP16', shape: [1, 2] }],
      rawInputContents: [Buffer.from(encodeTensorBytes('FP16', [1.5, -2])).toString('base64')],
    };
    const r2 = replayText(req('g2', raw, { protocol: 'grpc', contentType: 'application/grpc+json' }));
    assert.ok(r2.ok, JSON.stringify(r2));
    assert.deepEqual(JSON.parse(r2.text), { inputs: [{ name: 'float_input', datatype: 'FP16', shape: [1, 2], data: [1.5, -2] }] });
  });

  it('refuses what cannot be sent again: a response, a cut payload, a broken binary body', () => {
    assert.equal(replayText(res('a', {})).ok, false);
    const cut = replayText(req('t', '{"inp', { truncatedFrom: 5_000_000 }));
    assert.ok(!cut.ok && /cut \(it had 5000000 bytes\)/.test(cut.reason));
    const broken = replayText(req('b', { base64: Buffer.from('{"inputs":[{"name":"x","datatype":"FP32","shape":[4],"parameters":{"binary_data_size":16}}]}').toString('base64') }, { protocol: 'v2-rest-binary', binaryHeaderLength: 88 }));
    assert.ok(!broken.ok && /cannot be turned into JSON/.test(broken.reason), JSON.stringify(broken));
  });
});
