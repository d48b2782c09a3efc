/**
 * URLs for the user, not for the extension: in remote development (Remote-SSH, Dev Containers, WSL,
 * code-server, Codespaces) the extension and the local server run on the workspace's machine, so
 * `http://127.0.0.1:8080` answers there but not in the user's browser or terminal. VS Code's
 * `env.asExternalUri` forwards the port and says where it answers on the user's side. This module is
 * the pure half (no vscode): which URLs need it, and how a resolved origin is put back together with
 * the path; `src/common/externalUrl.ts` binds it to `vscode.env.asExternalUri`.
 *
 * Only the origin (`http://127.0.0.1:8080/`) is resolved and the path is appended here, because some
 * resolvers return a proxy base and drop the path: code-server answers
 * `http://127.0.0.1:8080/v2/models/iris` with `https://host/proxy/8080/`.
 */

/** Hosts the editor forwards (the server runs on the workspace's machine): loopback and "any". */
const LOCAL_HOST = /^(localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|\[(?:0{1,4}:){7}0{0,3}1?\])$/i;

/**
 * The server's URL as this machine connects to it: a server bound to every interface logs
 * `http://0.0.0.0:PORT` (or `[::]`), which connects on Linux and macOS but not on Windows
 * (EADDRNOTAVAIL); loopback reaches it everywhere. Other URLs are returned unchanged.
 */
export function connectableUrl(url: string): string {
  return url.replace(/^((?:https?|grpc):\/\/)(0\.0\.0\.0|\[::\]|\[(?:0{1,4}:){7}0{1,4}\])(?=[:/]|$)/i, (_m, scheme: string, host: string) => `${scheme}${host.startsWith('[') ? '[::1]' : '127.0.0.1'}`);
}

/** An http(s) URL on a local host, split into its origin (with a trailing slash) and the rest; else undefined. */
export function splitLocalUrl(url: string): { origin: string; rest: string } | undefined {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/?#:]+)(:\d+)?([/?#].*)?$/i.exec(url.trim());
  if (!m || !LOCAL_HOST.test(m[2]!)) return undefined;
  return { origin: `${m[1]!.toLowerCase()}://${m[2]}${m[3] ?? ''}/`, rest: m[4] ?? '' };
}

/** The resolved origin with the original path, query and fragment appended (no doubled slash). */
export function joinExternal(externalOrigin: string, rest: string): string {
  const base = externalOrigin.replace(/\/+$/, '');
  if (!rest) return base;
  return rest.startsWith('/') ? `${base}${rest}` : `${base}/${rest}`;
}

/**
 * A gRPC address (`grpc://127.0.0.1:8081` or `127.0.0.1:8081`) as seen from the user's side, given
 * where its port's http origin was forwarded. gRPC needs a plain TCP forward: a resolved origin
 * that is not `http://host:port/` (a path-based proxy such as code-server's `/proxy/8081/`, or an
 * https gateway) cannot carry it, so the address is kept as it is.
 */
export function grpcAddressFrom(address: string, externalOrigin: string): string {
  let u: URL;
  try {
    u = new URL(externalOrigin);
  } catch {
    return address;
  }
  if (u.protocol !== 'http:' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return address;
  const scheme = /^grpc:\/\//i.test(address) ? 'grpc://' : '';
  return `${scheme}${u.hostname}:${u.port || '80'}`;
}

/** The http origin whose forward also forwards a gRPC address's port; undefined when not local. */
export function grpcOrigin(address: string): string | undefined {
  const hostPort = address.trim().replace(/^grpc:\/\//i, '').replace(/\/+$/, '');
  return splitLocalUrl(`http://${hostPort}`)?.origin;
}

/**
 * Resolves user-facing URLs with an injected resolver (vscode.env.asExternalUri in the extension).
 * `url` / `grpcAddress` always ask the resolver (a forward may have been closed since); `urlNow` /
 * `grpcAddressNow` answer from what was resolved before, for code that renders synchronously (tree
 * items), start a resolution when the origin is new and return undefined until it is known (then
 * `onResolved` runs, so the caller can render again). URLs that are not local pass unchanged.
 */
export class ExternalUrls {
  private readonly known = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly resolveOrigin: (origin: string) => Promise<string>,
    private readonly onResolved: () => void = () => undefined,
  ) {}

  async url(url: string): Promise<string> {
    const local = splitLocalUrl(url);
    return local ? joinExternal(await this.resolve(local.origin), local.rest) : url;
  }

  urlNow(url: string): string | undefined {
    const local = splitLocalUrl(url);
    if (!local) return url;
    const origin = this.peek(local.origin);
    return origin === undefined ? undefined : joinExternal(origin, local.rest);
  }

  async grpcAddress(address: string): Promise<string> {
    const origin = grpcOrigin(address);
    return origin ? grpcAddressFrom(address, await this.resolve(origin)) : address;
  }

  grpcAddressNow(address: string): string | undefined {
    const origin = grpcOrigin(address);
    if (!origin) return address;
    const resolved = this.peek(origin);
    return resolved === undefined ? undefined : grpcAddressFrom(address, resolved);
  }

  private peek(origin: string): string | undefined {
    const known = this.known.get(origin);
    if (known === undefined && !this.pending.has(origin)) void this.resolve(origin);
    return known;
  }

  /** Asks the resolver; a failure keeps the URL as it is (better than none). Concurrent asks share one call. */
  private resolve(origin: string): Promise<string> {
    const inFlight = this.pending.get(origin);
    if (inFlight) return inFlight;
    const p = this.resolveOrigin(origin)
      .then((r) => r, () => origin)
      .then((resolved) => {
        this.pending.delete(origin);
        const changed = this.known.get(origin) !== resolved;
        this.known.set(origin, resolved);
        if (changed) this.onResolved();
        return resolved;
      });
    this.pending.set(origin, p);
    return p;
  }
}
