/**
 * The byte frames spoken with modeldeck_host.py (its docstring is the reference). Each frame:
 *
 *   u32 LE  N = bytes after this field (4 + H + B)
 *   u32 LE  H = JSON header length in bytes
 *   H bytes UTF-8 JSON message, space-padded so the binary section starts 8-aligned in the frame
 *   B bytes binary section: raw little-endian tensor contents, each at an 8-aligned offset
 *
 * Tensors in the JSON: `{"__tensor__":true,"datatype","shape","data":{"offset","length"}}` (bytes,
 * relative to the binary section); BYTES tensors carry `data` as a list of strings. Non-finite
 * numbers outside tensors: `{"__float__":"NaN"|"Infinity"|"-Infinity"}`.
 */
import type { Datatype } from '../../tensor/types';
import type { ScriptRequest, ScriptResponse, ScriptTensor, ScriptValue } from '../scriptProtocol';

/** The line the host writes once before its first frame. */
export const FRAMES_MAGIC = Buffer.from('MODELDECK-FRAMES/1\n', 'latin1');

type NumericArray = Exclude<ScriptTensor['data'], string[]>;
type NumericCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray; new (buffer: ArrayBufferLike): NumericArray; BYTES_PER_ELEMENT: number };

/** The typed array class each numeric datatype travels in (FP16 as raw half bits, BOOL as 0/1). */
export const SCRIPT_ARRAY_OF: Record<Exclude<Datatype, 'BYTES'>, NumericCtor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** A frame that cannot be read: the stream is out of step and nothing after it can be trusted. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const utf8 = new TextDecoder();

function isTensor(v: object): v is ScriptTensor {
  return (v as { __tensor__?: unknown }).__tensor__ === true;
}

/**
 * Encodes a request as the list of buffers that make up its frame (to be written in order). Numeric
 * tensor contents are not copied: the frame refers to the caller's typed arrays.
 */
export function encodeFrame(msg: ScriptRequest): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let binaryLength = 0;

  const tensorToWire = (t: ScriptTensor): unknown => {
    const { datatype, shape, data } = t;
    if (datatype === 'BYTES') {
      if (!Array.isArray(data)) throw new TypeError('a BYTES tensor carries its elements as an array of strings');
      const strings = (data as unknown[]).map((e) => (typeof e === 'string' ? e : e instanceof Uint8Array ? utf8.decode(e) : String(e)));
      return { __tensor__: true, datatype, shape, data: strings };
    }
    const Ctor = SCRIPT_ARRAY_OF[datatype];
    if (!Ctor) throw new TypeError(`unknown tensor datatype ${String(datatype)}`);
    if (!ArrayBuffer.isView(data) || data.BYTES_PER_ELEMENT !== Ctor.BYTES_PER_ELEMENT) {
      throw new TypeError(`a ${datatype} tensor needs a ${Ctor.name} (or another typed array of ${Ctor.BYTES_PER_ELEMENT}-byte elements)`);
    }
    const offset = (binaryLength + 7) & ~7;
    if (offset > binaryLength) parts.push(new Uint8Array(offset - binaryLength));
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    binaryLength = offset + data.byteLength;
    return { __tensor__: true, datatype, shape, data: { offset, length: data.byteLength } };
  };

  // Copy-on-write walk: plain JSON values are passed through untouched (no allocation).
  const prepare = (v: ScriptValue): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : { __float__: String(v) };
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const p = prepare(v[i]!);
        if (p !== v[i]) (out ??= v.slice())[i] = p;
      }
      return out ?? v;
    }
    if (isTensor(v)) return tensorToWire(v);
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, ScriptValue>)[k]!;
      const p = prepare(x);
      if (p !== x) (out ??= { ...v })[k] = p;
    }
    return out ?? v;
  };

  const body = msg.type === 'call' ? { ...msg, args: prepare(msg.args) } : msg;
  const text = JSON.stringify(body);
  const textLength = Buffer.byteLength(text, 'utf8');
  const headerLength = textLength + ((8 - ((8 + textLength) % 8)) % 8);
  const head = Buffer.allocUnsafe(8 + headerLength);
  head.writeUInt32LE(4 + headerLength + binaryLength, 0);
  head.writeUInt32LE(headerLength, 4);
  head.write(text, 8, 'utf8');
  head.fill(0x20, 8 + textLength);
  return [head, ...parts];
}

/** Turns the tensor and float markers of a decoded header into typed arrays and numbers (in place). */
function revive(v: unknown, binary: Buffer): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null && typeof x === 'object') v[i] = revive(x, binary);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  if (o.__tensor__ === true) return tensorFromWire(o, binary);
  if (typeof o.__float__ === 'string' && Object.keys(o).length === 1) return Number(o.__float__);
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x !== null && typeof x === 'object') o[k] = revive(x, binary);
  }
  return o;
}

function tensorFromWire(o: Record<string, unknown>, binary: Buffer): ScriptTensor {
  const datatype = o.datatype as Datatype;
  const shape = o.shape as number[];
  if (datatype === 'BYTES') return { __tensor__: true, datatype, shape, data: o.data as string[] };
  const Ctor = SCRIPT_ARRAY_OF[datatype];
  const { offset, length } = (o.data ?? {}) as { offset?: number; length?: number };
  if (!Ctor || typeof offset !== 'number' || typeof length !== 'number' || offset + length > binary.length || length % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new FrameError(`bad tensor in frame: ${JSON.stringify({ datatype, shape, data: o.data })}`);
  }
  const at = binary.byteOffset + offset;
  // A view when aligned (the usual case: frames of big tensors get a buffer of their own, and
  // offsets are 8-aligned); a copy otherwise, since typed arrays need aligned offsets.
  const data = at % Ctor.BYTES_PER_ELEMENT === 0 ? new Ctor(binary.buffer, at, length / Ctor.BYTES_PER_ELEMENT) : new Ctor(binary.buffer.slice(at, at + length));
  return { __tensor__: true, datatype, shape, data };
}

/** Decodes one whole frame (the bytes after its length field). */
export function decodeFrame(frame: Buffer): ScriptResponse {
  const headerLength = frame.readUInt32LE(0);
  const text = frame.toString('utf8', 4, 4 + headerLength);
  let msg: ScriptResponse;
  try {
    msg = JSON.parse(text) as ScriptResponse;
  } catch (e) {
    throw new FrameError(`unreadable frame header (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  // Only results carry tensors or markers; the string test spares the walk for plain values.
  if (msg.type === 'result' && text.includes('"__')) {
    msg.value = revive(msg.value, frame.subarray(4 + headerLength)) as ScriptValue;
  }
  return msg;
}

/** Frames bigger than this get one buffer of their own, filled as chunks arrive. */
const OWN_BUFFER_FROM = 64 * 1024;

/**
 * Splits the host's stdout into frames: partial frames wait for more bytes, several frames in one
 * chunk all come out. Bytes before {@link FRAMES_MAGIC} are handed to `onStray` (they are not frames).
 */
export class FrameReader {
  private synced = false;
  private pending: Buffer = Buffer.alloc(0);
  /** A big frame (length field included) being filled in place. */
  private big: { buf: Buffer; filled: number } | undefined;

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onStray: (text: string) => void,
  ) {}

  /** Feeds a chunk; throws FrameError when the stream cannot be frames. */
  push(chunk: Buffer): void {
    if (!this.synced) {
      const all = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      const at = all.indexOf(FRAMES_MAGIC);
      if (at < 0) {
        // Keep a tail that may be the start of the magic line; what is before it is stray output.
        const keep = Math.min(all.length, FRAMES_MAGIC.length - 1);
        const stray = all.subarray(0, all.length - keep);
        if (stray.length) this.onStray(stray.toString('utf8'));
        this.pending = all.subarray(all.length - keep);
        return;
      }
      if (at > 0) this.onStray(all.subarray(0, at).toString('utf8'));
      this.synced = true;
      this.pending = Buffer.alloc(0);
      chunk = all.subarray(at + FRAMES_MAGIC.length);
    }
    while (chunk.length) {
      if (this.big) {
        const { buf } = this.big;
        const n = Math.min(chunk.length, buf.length - this.big.filled);
        chunk.copy(buf, this.big.filled, 0, n);
        this.big.filled += n;
        chunk = chunk.subarray(n);
        if (this.big.filled === buf.length) {
          this.big = undefined;
          this.onFrame(buf.subarray(4));
        }
        continue;
      }
      const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      chunk = Buffer.alloc(0);
      let pos = 0;
      while (data.length - pos >= 4) {
        const n = data.readUInt32LE(pos);
        if (data.length - pos >= 8) {
          const h = data.readUInt32LE(pos + 4);
          if (h < 2 || h > n - 4) throw new FrameError(`bad frame lengths: total ${n}, header ${h}`);
        }
        if (data.length - pos >= 9 && data[pos + 8] !== 0x7b /* { */) throw new FrameError('frame header is not a JSON object');
        if (data.length - pos - 4 >= n) {
          this.onFrame(data.subarray(pos + 4, pos + 4 + n));
          pos += 4 + n;
          continue;
        }
        if (n >= OWN_BUFFER_FROM && data.length - pos >= 9) {
          // The length field comes along so that the binary section lands 8-aligned in the
          // ArrayBuffer, as the host padded it: typed arrays can then be views, not copies.
          const whole = Buffer.allocUnsafeSlow(4 + n);
          data.copy(whole, 0, pos);
          this.big = { buf: whole, filled: data.length - pos };
          pos = data.length;
        }
        break;
      }
      this.pending = pos < data.length ? data.subarray(pos) : Buffer.alloc(0);
    }
  }
}
