import { invalidArgument } from '../errors';
import type { Tensor, TensorMetadata } from './types';
import { formatShape } from './datatypes';
import { describeValue } from './jsonCodec';

const quoteNames = (names: readonly string[]): string => `[${names.map((n) => `"${n}"`).join(', ')}]`;

/**
 * Checks decoded request inputs against the model's input signature: every input known, none
 * missing or repeated, datatypes equal, ranks equal, and every fixed dimension (not -1) equal.
 * Throws invalid-argument naming the input and saying expected vs got.
 */
export function validateAgainstMetadata(inputs: Tensor[], expected: TensorMetadata[], modelName: string): void {
  // Models have a handful of inputs: linear lookups beat building maps per request.
  const expectedNames = expected.map((e) => e.name);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    const meta = expected.find((e) => e.name === t.name);
    if (meta === undefined) {
      throw invalidArgument(
        `model "${modelName}": unknown input "${t.name}"; expected inputs ${quoteNames(expectedNames)}`,
      );
    }
    for (let j = 0; j < i; j++) {
      if (inputs[j]!.name === t.name) throw invalidArgument(`model "${modelName}": input "${t.name}" is given more than once`);
    }
    if (t.datatype !== meta.datatype) {
      throw invalidArgument(`input "${t.name}": expected datatype ${meta.datatype}, got ${t.datatype}`);
    }
    const want = meta.shape;
    const got = t.shape;
    if (got.length !== want.length) {
      throw invalidArgument(
        `input "${t.name}": expected shape ${formatShape(want)} (rank ${want.length}), got ${formatShape(got)} (rank ${got.length})`,
      );
    }
    for (let d = 0; d < want.length; d++) {
      // Negative (-1) marks a dynamic dimension; some exporters also leave symbolic ones as -1.
      if (want[d]! >= 0 && want[d] !== got[d]) {
        throw invalidArgument(`input "${t.name}": expected shape ${formatShape(want)}, got ${formatShape(got)}`);
      }
    }
  }
  if (inputs.length < expected.length) {
    const given = inputs.map((t) => t.name);
    const missing = expectedNames.filter((n) => !given.includes(n));
    throw invalidArgument(
      `model "${modelName}": missing input${missing.length > 1 ? 's' : ''} ${quoteNames(missing)}; expected inputs ${quoteNames(expectedNames)}, got ${quoteNames(given)}`,
    );
  }
}

/**
 * Names of the outputs to return, from a request's `outputs` (array of `{name, parameters?}`).
 * Absent, null or empty means every output of the model, in metadata order; otherwise the
 * requested order. Unknown or repeated names are invalid-argument.
 */
export function selectOutputs(requested: unknown, available: TensorMetadata[]): string[] {
  const availableNames = available.map((o) => o.name);
  if (requested === undefined || requested === null) return availableNames;
  if (!Array.isArray(requested)) {
    throw invalidArgument(`outputs: expected an array of {"name": ...} objects, got ${describeValue(requested)}`);
  }
  if (requested.length === 0) return availableNames;
  const names: string[] = new Array(requested.length);
  for (let i = 0; i < requested.length; i++) {
    const entry = requested[i] as { name?: unknown; parameters?: unknown } | null;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof entry.name !== 'string') {
      throw invalidArgument(`outputs[${i}]: expected an object with a string name, got ${describeValue(entry)}`);
    }
    const p = entry.parameters;
    if (p !== undefined && (typeof p !== 'object' || p === null || Array.isArray(p))) {
      throw invalidArgument(`output "${entry.name}": expected parameters to be an object, got ${describeValue(p)}`);
    }
    if (!availableNames.includes(entry.name)) {
      throw invalidArgument(`outputs[${i}]: unknown output "${entry.name}"; expected one of ${quoteNames(availableNames)}`);
    }
    if (names.includes(entry.name)) throw invalidArgument(`outputs[${i}]: output "${entry.name}" is requested more than once`);
    names[i] = entry.name;
  }
  return names;
}
