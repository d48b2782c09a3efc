/**
 * One HTTP(S) request with node:http, honouring every header it is given. fetch() (undici) drops a
 * Host header, which clusters without DNS need (KServe's `curl -H "Host: …" http://$INGRESS_HOST`).
 * Pure Node, no vscode.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** An HTTP answer as bytes. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** One HTTP request that honours every header it is given, Host included; bounded by `timeoutMs`. */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? Buffer.from(opts.body) : Buffer.from(opts.body);
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        headers: { ...opts.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers, body: new Uint8Array(Buffer.concat(chunks)) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.origin} within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`)));
    req.on('error', reject);
    req.end(body);
  });
}
