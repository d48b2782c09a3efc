import type { WireTensor } from './workerProtocol';

/**
 * Makes each tensor own a whole ArrayBuffer and returns those buffers for postMessage's
 * transfer list. A view into a larger buffer (a pooled Buffer, a request body) is copied first:
 * transferring the parent would detach memory other code still uses.
 */
export function transferListOf(tensors: WireTensor[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  for (const t of tensors) {
    if (Array.isArray(t.data)) continue; // BYTES: small per-element arrays, cloned
    let view = t.data;
    const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
    if (!whole || seen.has(view.buffer) || !(view.buffer instanceof ArrayBuffer)) {
      view = view.slice() as typeof view;
      t.data = view;
    }
    seen.add(view.buffer);
    list.push(view.buffer as ArrayBuffer);
  }
  return list;
}
