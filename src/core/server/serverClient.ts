import type { DeploymentSpec } from '../deployment/deploymentSpec';

/** A deployment as the server's repository index reports it. */
/** Interpreters the editor knows of (the setting, the Python extension's), sent with a load. */
export interface PythonHints {
  setting?: string;
  extensionInterpreter?: string;
}

/** A running predictor or transformer script as the server reports it. */
export interface ScriptEntry {
  /** Absolute script path. */
  script: string;
  className: string;
  /** "Python 3.11.2 (/usr/bin/python3)" or "Node 20.20.2 (worker thread)". */
  runtime: string;
  /** Python: deployment | setting | python-extension | path. */
  interpreterSource?: string;
}

export interface RepositoryEntry {
  name: string;
  model: string;
  version?: string;
  state: 'LOADING' | 'READY' | 'UNAVAILABLE' | 'FAILED';
  reason?: string;
  provider?: string;
  /** The predictor script serving it, if any. */
  predictor?: ScriptEntry;
  /** Its transformer script, if any. */
  transformer?: ScriptEntry;
  /** With UNAVAILABLE: its inference workers died and a replacement is starting. */
  restarting?: boolean;
}

/** The server answered with an error status; `message` is its `{"error"}` text. */
export class ServerRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}

/** The few REST calls the extension makes to its local server (repository API and health). */
export class ServerClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 120_000,
  ) {}

  async live(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/v2/health/live`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  index(): Promise<RepositoryEntry[]> {
    return this.request<RepositoryEntry[]>('POST', '/v2/repository/index', {});
  }

  /**
   * Adds or updates a deployment; resolves when it is serving, rejects with the load failure.
   * `python`: interpreters the editor knows of, for a Python script whose deployment names none.
   */
  load(spec: DeploymentSpec, python?: PythonHints): Promise<RepositoryEntry> {
    return this.request<RepositoryEntry>('POST', `/v2/repository/models/${encodeURIComponent(spec.name)}/load`, { deployment: spec, ...(python ? { python } : {}) });
  }

  unload(name: string): Promise<unknown> {
    return this.request('POST', `/v2/repository/models/${encodeURIComponent(name)}/unload`, {});
  }

  metadata(name: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/v2/models/${encodeURIComponent(name)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const msg = (json as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`;
      throw new ServerRequestError(res.status, msg);
    }
    return json as T;
  }
}
