import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRemoteKey, remoteKey } from '../../src/core/predict/remoteKey';

describe('remote predict panel keys', () => {
  it('round-trips context, namespace and name, contexts with "/" included', () => {
    for (const [c, ns, n] of [['fake-kserve', 'ml-team', 'iris'], ['arn:aws:eks:eu-west-1:1:cluster/prod', 'default', 'digits-cnn']] as const) {
      assert.deepEqual(parseRemoteKey(remoteKey(c, ns, n)), { context: c, namespace: ns, name: n });
    }
  });

  it('a local deployment name is not a remote key; malformed keys are refused', () => {
    assert.equal(parseRemoteKey('iris'), undefined);
    assert.equal(parseRemoteKey('kserve:only/two'), undefined);
    assert.equal(parseRemoteKey('kserve:ctx//iris'), undefined);
    assert.equal(parseRemoteKey('kserve:/ns/iris'), undefined);
  });
});
