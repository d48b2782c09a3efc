/**
 * A deliberately incomplete Open Inference Protocol server for the compliance check's tests: it
 * gets some parts right and each of the following wrong, one way each, so the tests can assert
 * that every gap is reported on its own check with a precise reason:
 * - `/v2/health/ready` is missing (404);
 * - server metadata has no `extensions`;
 * - the model metadata declares an INT64 `label` output the inference never returns;
 * - the binary tensor extension is refused (400, JSON error);
 * - KServe V1 is not served (404: the check is skipped, not failed);
 * - an unknown model is a 500 with a plain-text body instead of 404;
 * - shapes are not validated (a bad shape or rank is answered 200);
 * - a wrong datatype is refused with 400, but as plain text, not `{"error": …}`.
 * It answers iris-shaped requests: input float_input FP32 [-1, 4] → probabilities FP32 [-1, 3].
 * Listens on 127.0.0.1, port 0.
 */
import * as http from 'node:http';

const MODEL = 'iris';

export interface IncompleteServer {
  url: string;
  close(): Promise<void>;
}

export async function startIncompleteOipServer(): Promise<IncompleteServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/v2/health/live') return json(res, 200, { live: true });
  if (req.method === 'GET' && url === '/v2') return json(res, 200, { name: 'incomplete', version: '0.0.1' });
  if (req.method === 'GET' && url === `/v2/models/${MODEL}/ready`) return json(res, 200, { name: MODEL, ready: true });
  if (req.method === 'GET' && url === `/v2/models/${MODEL}`) {
    return json(res, 200, {
      name: MODEL,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
    });
  }
  if (req.method === 'POST' && url === `/v2/models/${MODEL}/infer`) {
    if (req.headers['inference-header-content-length'] !== undefined) return json(res, 400, { error: 'binary tensor data is not supported' });
    let request: { id?: string; inputs?: { name: string; datatype: string; shape: number[]; data: unknown[] }[] };
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return json(res, 400, { error: 'body is not JSON' });
    }
    const input = request.inputs?.[0];
    if (!input || input.name !== 'float_input') return json(res, 400, { error: 'expected float_input' });
    if (input.datatype !== 'FP32') return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad datatype');
    const rows = Math.max(1, Math.floor(input.data.length / 4)); // no shape validation at all
    return json(res, 200, {
      model_name: MODEL,
      model_version: '1',
      ...(request.id !== undefined ? { id: request.id } : {}),
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [rows, 3], data: new Array(rows * 3).fill(1 / 3) }],
    });
  }
  if (url.startsWith('/v2/models/')) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  return json(res, 404, { error: `no route ${req.method} ${url}` });
}
