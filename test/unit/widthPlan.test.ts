import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseWidth, MAX_ADAPTIVE_BYTES } from '../../server/runtime/widthPlan';

const base = { instances: 1, cores: 4, modelBytes: 5 * 2 ** 20, cpuOnly: true, adaptive: 'auto' as const };

describe('width plan: sessions × intra-op threads per model', () => {
  it('by default a CPU model gets a wide session with every core and single-thread sessions that grow to one per core', () => {
    assert.deepEqual(chooseWidth(base), { instances: 1, maxInstances: 4, intraOpThreads: 1, wideThreads: 4 });
  });

  it('--adaptive-threads off, or instances the user chose, keep the fixed split of the cores', () => {
    assert.deepEqual(chooseWidth({ ...base, adaptive: 'off' }), { instances: 1, intraOpThreads: 4 });
    assert.deepEqual(chooseWidth({ ...base, instances: 2 }), { instances: 2, intraOpThreads: 2 });
    assert.deepEqual(chooseWidth({ ...base, instances: 3 }), { instances: 3, intraOpThreads: 1 });
  });

  it('one core: nothing to adapt', () => {
    assert.deepEqual(chooseWidth({ ...base, cores: 1 }), { instances: 1, intraOpThreads: 1 });
  });

  it('a GPU provider, or copies that would exceed the memory cap, keep one session, saying why', () => {
    const gpu = chooseWidth({ ...base, cpuOnly: false });
    assert.equal(gpu.wideThreads, undefined);
    assert.match(gpu.why!, /GPU/);
    const big = chooseWidth({ ...base, modelBytes: Math.ceil(MAX_ADAPTIVE_BYTES / 5) + 1 });
    assert.deepEqual({ ...big, why: undefined }, { instances: 1, intraOpThreads: 4, why: undefined });
    assert.match(big.why!, /5 copies of a .* MiB model would exceed 512 MiB/);
    assert.equal(chooseWidth({ ...base, modelBytes: Math.floor(MAX_ADAPTIVE_BYTES / 5) }).wideThreads, 4, 'at the cap: still adaptive');
  });
});
