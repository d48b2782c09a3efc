/** Small fetch wrappers that keep tests short and always read the whole body. */
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  raw: Buffer;
}

async function read<T>(res: Response): Promise<HttpResult<T>> {
  const raw = Buffer.from(await res.arrayBuffer());
  let body: any = undefined;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) body = JSON.parse(raw.toString('utf8'));
  else body = raw.toString('utf8');
  return { status: res.status, headers: res.headers, body: body as T, raw };
}

export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  return read<T>(await fetch(url, { headers }));
}

export async function postJson<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  return read<T>(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function postRaw(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return read(await fetch(url, { method: 'POST', headers, body }));
}
