import assert from 'node:assert/strict';
import { InferenceError } from '../../server/errors';
import type { InferenceErrorReason } from '../../server/errors';

/**
 * Asserts that `fn` throws an InferenceError of `reason` whose message contains every fragment
 * (tests pass the expected and the got part separately so that both are checked).
 */
export function assertThrowsReason(fn: () => unknown, reason: InferenceErrorReason, ...fragments: string[]): InferenceError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof InferenceError, `expected an InferenceError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  return caught;
}

/** assertThrowsReason for invalid-argument, the reason of every client mistake. */
export const assertInvalid = (fn: () => unknown, ...fragments: string[]): InferenceError =>
  assertThrowsReason(fn, 'invalid-argument', ...fragments);

/** Plain numbers/booleans/strings of any tensor data, to compare data of different array classes. */
export function plain(data: unknown): unknown[] {
  if (Array.isArray(data)) return data.map((b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
  return Array.from(data as ArrayLike<unknown>);
}
