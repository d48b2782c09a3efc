/** The webview side of the host channel: typed post, typed receive, persisted UI state. */
interface VsCodeApi<S> {
  postMessage(msg: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface PageChannel<ToHost extends { type: string }, FromHost extends { type: string }, S> {
  post(msg: ToHost | { type: 'ready' }): void;
  /** One handler per message type from the host. */
  on(handlers: { [K in FromHost['type']]?: (msg: Extract<FromHost, { type: K }>) => void }): void;
  /** UI state that survives the panel being hidden or the window reloading. */
  getState(): S | undefined;
  setState(state: S): void;
}

export function connect<ToHost extends { type: string }, FromHost extends { type: string }, S>(): PageChannel<ToHost, FromHost, S> {
  const api = acquireVsCodeApi<S>();
  return {
    post: (msg) => api.postMessage(msg),
    on: (handlers) => {
      window.addEventListener('message', (e: MessageEvent<FromHost>) => {
        const h = (handlers as Record<string, ((m: unknown) => void) | undefined>)[e.data?.type];
        h?.(e.data);
      });
    },
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  };
}
