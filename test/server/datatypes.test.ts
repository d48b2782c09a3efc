import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { assertOip } from '../support/openApi';
import { getJson, postJson, postRaw } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { FIXTURE_MODELS, tempRegistry } from '../support/registryCopy';

/** One [batch=2, 2] example per datatype of the alltypes fixture (Identity per type). */
const CASES: { name: string; datatype: string; data: unknown[] }[] = [
  { name: 'bool', datatype: 'BOOL', data: [true, false, false, true] },
  { name: 'uint8', datatype: 'UINT8', data: [0, 1, 254, 255] },
  { name: 'uint16', datatype: 'UINT16', data: [0, 1, 65534, 65535] },
  { name: 'uint32', datatype: 'UINT32', data: [0, 1, 4294967294, 4294967295] },
  { name: 'uint64', datatype: 'UINT64', data: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER] },
  { name: 'int8', datatype: 'INT8', data: [-128, -1, 0, 127] },
  { name: 'int16', datatype: 'INT16', data: [-32768, -1, 0, 32767] },
  { name: 'int32', datatype: 'INT32', data: [-2147483648, -1, 0, 2147483647] },
  { name: 'int64', datatype: 'INT64', data: [-Number.MAX_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER] },
  { name: 'float16', datatype: 'FP16', data: [0, -2.5, 65504, 0.0999755859375] },
  { name: 'float32', datatype: 'FP32', data: [0, -2.5, 3.4028234663852886e38, 0.10000000149011612] },
  { name: 'float64', datatype: 'FP64', data: [0, -2.5, 1.7976931348623157e308, 0.1] },
  { name: 'string', datatype: 'BYTES', data: ['', 'ascii', 'ünïcødé ✓', 'x'.repeat(300)] },
];

describe('every OIP datatype, JSON and binary, through a real model', () => {
  let server: ServerProcess;
  let url: string;
  before(async () => {
    server = await startServerProcess(['--registry', await tempRegistry([{ from: FIXTURE_MODELS, name: 'alltypes' }])]);
    url = `${server.url}/v2/models/alltypes/infer`;
  });
  after(async () => {
    await server?.stop();
  });

  it('reports each datatype in the metadata', async () => {
    const meta = await getJson(`${server.url}/v2/models/alltypes`);
    assertOip('metadata_model_response', meta.body);
    for (const c of CASES) {
      assert.deepEqual(meta.body.inputs.find((i: any) => i.name === `${c.name}_in`), { name: `${c.name}_in`, datatype: c.datatype, shape: [-1, 2] });
    }
    assert.deepEqual(meta.body.inputs.find((i: any) => i.name === 'scalar_in').shape, []);
  });

  it('names the inputs a request leaves out', async () => {
    const c = CASES[0]!;
    const res = await postJson(url, { inputs: [{ name: `${c.name}_in`, datatype: c.datatype, shape: [2, 2], data: c.data }] });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /missing/);
    assert.match(res.body.error, /scalar_in/);
  });

  function fullRequest(): { inputs: any[] } {
    return {
      inputs: [
        ...CASES.map((c) => ({ name: `${c.name}_in`, datatype: c.datatype, shape: [2, 2], data: c.data })),
        { name: 'scalar_in', datatype: 'FP32', shape: [], data: [42.5] },
      ],
    };
  }

  it('round-trips all datatypes and a scalar as JSON', async () => {
    const res = await postJson(url, fullRequest());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertOip('inference_response', res.body);
    for (const c of CASES) {
      const out = res.body.outputs.find((o: any) => o.name === `${c.name}_out`);
      assert.equal(out.datatype, c.datatype);
      assert.deepEqual(out.shape, [2, 2]);
      assert.deepEqual(out.data, c.data, c.datatype);
    }
    const scalar = res.body.outputs.find((o: any) => o.name === 'scalar_out');
    assert.deepEqual(scalar.shape, []);
    assert.deepEqual(scalar.data, [42.5]);
  });

  it('round-trips all datatypes as binary, in both directions', async () => {
    const jsonRes = await postJson(url, fullRequest());
    // Ask for every output in binary, then send those exact bytes back as binary inputs.
    const binRes = await postJson(url, { ...fullRequest(), parameters: { binary_data_output: true } });
    assert.equal(binRes.status, 200);
    const h = Number(binRes.headers.get('inference-header-content-length'));
    const header = JSON.parse(binRes.raw.subarray(0, h).toString());
    let offset = h;
    const parts: Buffer[] = [];
    const inputs = header.outputs.map((o: any) => {
      const size = o.parameters.binary_data_size;
      parts.push(binRes.raw.subarray(offset, offset + size));
      offset += size;
      return { name: o.name.replace(/_out$/, '_in'), datatype: o.datatype, shape: o.shape, parameters: { binary_data_size: size } };
    });
    assert.equal(offset, binRes.raw.length);
    const reqHeader = Buffer.from(JSON.stringify({ inputs }));
    const back = await postRaw(url, Buffer.concat([reqHeader, ...parts]), { 'inference-header-content-length': String(reqHeader.length) });
    assert.equal(back.status, 200, back.raw.toString());
    assert.deepEqual(back.body.outputs, jsonRes.body.outputs);
  });

  it('rejects values out of range for the datatype', async () => {
    const req = fullRequest();
    req.inputs.find((i) => i.name === 'uint8_in').data = [0, 1, 2, 256];
    const res = await postJson(url, req);
    assert.equal(res.status, 400);
    assert.match(res.body.error, /uint8_in/);
    assert.match(res.body.error, /UINT8/);
    assert.match(res.body.error, /256/);
  });
});
