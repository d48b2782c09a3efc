/**
 * Where a client reaches a remote (KServe) deployment from outside the cluster, and the HTTP call
 * that gets there. A Ready InferenceService has `status.url` (http://iris.ml-team.example.com);
 * clusters without DNS for that domain are reached through the ingress gateway's address with the
 * service's host in the Host header (KServe's documented `curl -H "Host: …" http://$INGRESS_HOST`).
 * fetch() drops a Host header (undici treats it as forbidden), so requests go through
 * src/core/net/httpRequest.ts. Pure Node, no vscode.
 */
/** How to reach a remote deployment. */
export interface RemoteEndpoint {
  /** Base URL requests are sent to (status.url, or the ingress address). */
  httpUrl: string;
  /** Headers every request carries: Host (through an ingress), Authorization (a bearer token). */
  headers: Record<string, string>;
  /** gRPC address (host:port) when the service exposes gRPC, and the :authority to send. */
  grpcAddress?: string;
  grpcAuthority?: string;
}

/** Options of {@link remoteEndpoint}. */
export interface RemoteEndpointOptions {
  /** Ingress gateway address (http://10.0.0.5 or http://127.0.0.1:8080): send there with a Host header. */
  ingressUrl?: string;
  /** Bearer token for inference requests (an authenticating gateway). */
  token?: string;
  /** The service speaks gRPC (protocolVersion grpc-v2): the gRPC address is the same host on the ingress. */
  grpc?: boolean;
}

/** The endpoint for a service whose external URL is `statusUrl`; throws when it has none yet. */
export function remoteEndpoint(statusUrl: string | undefined, opts: RemoteEndpointOptions = {}): RemoteEndpoint {
  if (!statusUrl) throw new Error('the InferenceService has no URL yet (status.url is empty: is it Ready?)');
  const external = new URL(statusUrl);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const ingress = opts.ingressUrl?.trim();
  const base = ingress ? new URL(ingress) : external;
  if (ingress) headers.host = external.host;
  const endpoint: RemoteEndpoint = { httpUrl: base.origin, headers };
  if (opts.grpc) {
    const port = base.port || (base.protocol === 'https:' ? '443' : '80');
    endpoint.grpcAddress = `${base.hostname}:${port}`;
    if (ingress) endpoint.grpcAuthority = external.host;
  }
  return endpoint;
}
