/**
 * Puts a model server that serves an artifact's deployment from its own files (started the way the
 * script runtime image starts it) behind the fake cluster, which otherwise plays "the model loads"
 * by asking one shared server to load a deployment through the repository API: here the pod's
 * server needs no such request. The shim answers the fake's `POST /v2/repository/models/<m>/load`
 * once `/v2/models/<m>/ready` is 200 (bounded wait) with the version it serves, takes `/unload` as a
 * no-op (a real pod would just go away), and passes every other request through unchanged.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PodServerShim {
  url: string;
  close(): Promise<void>;
}

/**
 * `pod`: the pod's server URL, or a function that "starts the pod" for a service name when the fake
 * first loads it (storage-initializer, then the image's ENTRYPOINT) and resolves with its URL.
 */
export async function startPodServerShim(pod: string | ((name: string) => Promise<string>)): Promise<PodServerShim> {
  let upstream = typeof pod === 'string' ? pod : undefined;
  // One pod per service name: a second load (a restart, a new revision of the same artifact) reuses it.
  const started = new Map<string, Promise<string>>();
  const podFor = (name: string): Promise<string> => {
    if (typeof pod === 'string') return Promise.resolve(pod);
    if (!started.has(name)) started.set(name, pod(name));
    return started.get(name)!;
  };
  const server = http.createServer((req, res) => {
    const m = /^\/v2\/repository\/models\/([^/]+)\/(load|unload)$/.exec(req.url ?? '');
    if (req.method === 'POST' && m) {
      req.resume();
      const name = decodeURIComponent(m[1]!);
      if (m[2] === 'unload') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      void (async () => {
        try {
          upstream = await podFor(name);
          return await waitServed(upstream, name);
        } catch (err) {
          return { ok: false as const, message: `the pod did not start: ${(err as Error).message}` };
        }
      })().then((answer) => {
        res.writeHead(answer.ok ? 200 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.ok ? { name, version: answer.version, state: 'READY' } : { error: answer.message }));
      });
      return;
    }
    if (!upstream) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('no pod yet');
    const target = new URL(req.url ?? '/', upstream);
    const up = http.request(target, { method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`pod server: ${err.message}`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitServed(upstream: string, name: string): Promise<{ ok: true; version: string } | { ok: false; message: string }> {
  let last = '';
  for (let i = 0; i < 300; i++) {
    try {
      const ready = await fetch(`${upstream}/v2/models/${encodeURIComponent(name)}/ready`);
      if (ready.ok) {
        const meta = (await (await fetch(`${upstream}/v2/models/${encodeURIComponent(name)}`)).json()) as { versions?: string[] };
        return { ok: true, version: meta.versions?.[0] ?? '?' };
      }
      last = `HTTP ${ready.status} ${await ready.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ok: false, message: `the pod's server did not serve ${name} in 30 s (${last})` };
}
