/**
 * The state a local deployment shows in the Deployments view, from what the extension, the server
 * process and the server's repository index say.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentState, type DeploymentStateInputs } from '../../src/core/deployment/deploymentState';

const running = { state: 'running' as const, httpUrl: 'http://127.0.0.1:8080', grpcUrl: '127.0.0.1:8081' };
const base: DeploymentStateInputs = { name: 'iris-prod', wantsRunning: true, server: running };

describe('deploymentState', () => {
  it('serving: running with the version and both endpoints', () => {
    assert.deepEqual(deploymentState({ ...base, entry: { name: 'iris-prod', model: 'iris', version: '2', state: 'READY' } }), {
      state: 'running',
      version: 2,
      restUrl: 'http://127.0.0.1:8080/v2/models/iris-prod',
      grpcUrl: '127.0.0.1:8081',
    });
  });

  it('serving an older version after a failed swap: still running, with the reason', () => {
    const s = deploymentState({ ...base, entry: { name: 'iris-prod', model: 'iris', version: '1', state: 'READY', reason: 'kept version 1: bad file' } });
    assert.equal(s.state, 'running');
    assert.equal(s.reason, 'kept version 1: bad file');
  });

  it('loading: starting', () => {
    assert.deepEqual(deploymentState({ ...base, entry: { name: 'iris-prod', model: 'iris', state: 'LOADING' } }), { state: 'starting' });
  });

  it('its workers are being replaced: starting with the reason, not failed', () => {
    const entry = { name: 'iris-prod', model: 'iris', version: '2', state: 'UNAVAILABLE' as const, reason: 'restarting the inference worker (last one: exited)', restarting: true };
    assert.deepEqual(deploymentState({ ...base, entry }), { state: 'starting', version: 2, reason: entry.reason });
  });

  it('unavailable and not coming back, or failed: failed with the reason (or the state when there is none)', () => {
    const gaveUp = { name: 'iris-prod', model: 'iris', state: 'UNAVAILABLE' as const, reason: 'inference workers died 5 times in a row' };
    assert.deepEqual(deploymentState({ ...base, entry: gaveUp }), { state: 'failed', reason: gaveUp.reason });
    assert.deepEqual(deploymentState({ ...base, entry: { name: 'iris-prod', model: 'iris', state: 'FAILED' } }), { state: 'failed', reason: 'FAILED' });
  });

  it('the server process decides before the index: starting/restarting, failed, stopped', () => {
    const entry = { name: 'iris-prod', model: 'iris', version: '2', state: 'READY' as const };
    assert.deepEqual(deploymentState({ ...base, entry, server: { state: 'restarting', reason: 'exited with code 1' } }), { state: 'starting', reason: 'exited with code 1' });
    assert.deepEqual(deploymentState({ ...base, entry, server: { state: 'failed' } }), { state: 'failed', reason: 'the server failed' });
    assert.deepEqual(deploymentState({ ...base, entry, server: { state: 'stopped' } }), { state: 'stopped' });
    assert.deepEqual(deploymentState({ ...base }), { state: 'stopped' }, 'running server without an index entry');
  });

  it('the extension decides first: an action in progress, then a failed load, then the user not wanting it running', () => {
    const entry = { name: 'iris-prod', model: 'iris', version: '2', state: 'READY' as const };
    assert.deepEqual(deploymentState({ ...base, entry, transient: { state: 'updating' }, failure: 'x' }), { state: 'updating' });
    assert.deepEqual(deploymentState({ ...base, entry, failure: 'model file missing' }), { state: 'failed', reason: 'model file missing' });
    assert.deepEqual(deploymentState({ ...base, entry, wantsRunning: false }), { state: 'stopped' });
  });
});
