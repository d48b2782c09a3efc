import type { ModelVersionInfo } from '../../src/core/registry/modelRegistry';
import type { PoolInfo, RunResult, WorkerPool } from '../runtime/workerPool';
import type { WireTensor } from '../runtime/workerProtocol';

/**
 * One model version with its sessions, serving traffic. Tracks requests in flight so a hot swap
 * can wait for them before the sessions are released: no request ever fails because of a swap.
 */
export class LoadedVersion {
  private inflight = 0;
  /** Identity of the model file this was loaded from (path, size, mtime). */
  loadKey = '';
  private drained: (() => void) | undefined;

  constructor(
    /** Name clients use (the deployment name). */
    readonly servedName: string,
    /** Registry entry this version came from. */
    readonly info: ModelVersionInfo,
    readonly pool: WorkerPool,
    readonly runtime: PoolInfo,
    /** Class labels, when the registry has a labels file. */
    readonly labels: string[] | undefined,
  ) {}

  get version(): number {
    return this.info.version;
  }

  get inflightCount(): number {
    return this.inflight;
  }

  /** Runs one inference; `acquire` must have been called (see ModelManager.acquire). */
  run(inputs: WireTensor[], outputNames: string[]): Promise<RunResult> {
    return this.pool.run(inputs, outputNames);
  }

  /** Marks a request as using this version until `release`. */
  acquire(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    if (this.inflight === 0 && this.drained) {
      const cb = this.drained;
      this.drained = undefined;
      cb();
    }
  }

  /** Waits for in-flight requests (bounded), then releases the sessions. */
  async retire(timeoutMs: number): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.pool.close(timeoutMs);
  }
}
