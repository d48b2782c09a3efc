/**
 * Conversions between the server's tensors and onnxruntime's, shared by the worker threads
 * (onnxWorker.ts) and the main-thread session for tiny runs (inlineSession.ts).
 */
import * as ort from 'onnxruntime-node';
import { datatypeToOrtType, ortTypeToDatatype } from '../tensor/datatypes';
import type { Datatype, TensorMetadata } from '../tensor/types';
import type { WireTensor } from './workerProtocol';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function datatypeOf(name: string, ortType: string): Datatype {
  const d = ortTypeToDatatype(ortType);
  // Types OIP has no name for (bfloat16, int4, float8...) cannot be sent or received.
  if (!d) throw new Error(`tensor "${name}" has type ${ortType}, which the Open Inference Protocol cannot carry`);
  return d;
}

export function metadataOf(list: readonly ort.InferenceSession.ValueMetadata[]): TensorMetadata[] {
  return list.map((m) => {
    if (!m.isTensor) throw new Error(`"${m.name}" is not a tensor (sequences and maps are not supported)`);
    return {
      name: m.name,
      datatype: datatypeOf(m.name, m.type),
      // Symbolic or unknown dimensions are dynamic: OIP writes them as -1.
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    };
  });
}

export function toOrt(t: WireTensor): ort.Tensor {
  if (t.datatype === 'BYTES') {
    const strings = (t.data as Uint8Array[]).map((b) => fromUtf8.decode(b));
    return new ort.Tensor('string', strings, t.shape);
  }
  return new ort.Tensor(datatypeToOrtType(t.datatype) as 'float32', t.data as Float32Array, t.shape);
}

export function fromOrt(name: string, t: ort.Tensor): WireTensor {
  const datatype = datatypeOf(name, t.type);
  const shape = [...t.dims];
  if (datatype === 'BYTES') {
    return { name, datatype, shape, data: (t.data as string[]).map((s) => utf8.encode(s)) };
  }
  return { name, datatype, shape, data: t.data as Float32Array };
}
