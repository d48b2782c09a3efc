import * as vscode from 'vscode';
import { ExternalUrls } from '../core/net/externalUrl';

/**
 * Every URL ModelDeck shows, copies or opens for the user goes through here: with the extension on a
 * remote machine (Remote-SSH, Dev Containers, WSL, code-server) `vscode.env.asExternalUri` forwards
 * the local server's port and answers where it is reachable from the user's side. Locally it changes
 * nothing. The extension's own requests to the server keep the internal URL (they run where the
 * server runs). Pure parts: src/core/net/externalUrl.ts.
 */
const resolved = new vscode.EventEmitter<void>();
const urls = new ExternalUrls(
  async (origin) => (await vscode.env.asExternalUri(vscode.Uri.parse(origin))).toString(true),
  () => resolved.fire(),
);

/** Fires when a URL that `externalUrlNow` could not answer yet is known: render again. */
export const onDidResolveExternalUrl = resolved.event;

/** The URL as the user reaches it (forwarded when it is on this machine). */
export function externalUrl(url: string): Promise<string> {
  return urls.url(url);
}

/** `externalUrl` from what is known now, for synchronous rendering; undefined until it is resolved. */
export function externalUrlNow(url: string): string | undefined {
  return urls.urlNow(url);
}

/** A gRPC address (`grpc://host:port`) as the user reaches it; unchanged when only a path-based proxy forwards it. */
export function externalGrpcAddress(address: string): Promise<string> {
  return urls.grpcAddress(address);
}

/** `externalGrpcAddress` from what is known now; undefined until it is resolved. */
export function externalGrpcAddressNow(address: string): string | undefined {
  return urls.grpcAddressNow(address);
}
