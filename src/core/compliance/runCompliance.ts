/**
 * Runs the whole compliance check against one endpoint: REST server checks, the model's checks,
 * then gRPC when an address is given. Sequential on purpose: each check's exchanges are its own,
 * and an endpoint under test should not see concurrent probes it might confuse.
 */
import { CheckContext } from './checkContext';
import type { CheckResult, CheckStatus, ComplianceReport, ComplianceTarget } from './complianceTypes';
import { grpcChecks } from './grpcChecks';
import { modelChecks, pickModel, serverChecks, type CheckState } from './restChecks';

export interface ComplianceOptions {
  /** The shipped open_inference_grpc.proto (gRPC checks load their client from it). */
  protoFile: string;
  /** Called after each check (progress in the panel and the CLI). */
  onResult?: (r: CheckResult) => void;
}

export async function runComplianceCheck(target: ComplianceTarget, opts: ComplianceOptions): Promise<ComplianceReport> {
  const started = Date.now();
  const ctx = new CheckContext(target.url, target.headers, opts.onResult);
  const state: CheckState = {};
  await serverChecks(ctx, state);
  await pickModel(ctx, target, state);
  if (state.model) {
    try {
      await modelChecks(ctx, target, state);
    } catch (e) {
      // Only the caller's own example can fail outside a check: say so as a check of its own.
      await ctx.check('rest.example', 'The request to infer with', 'inference', () => ({ status: 'fail', detail: e instanceof Error ? e.message : String(e) }));
    }
  }
  if (target.grpc) await grpcChecks(ctx, target.grpc, opts.protoFile, state, target.headers, target.grpcAuthority);
  else await ctx.skipped('grpc', 'gRPC checks', 'grpcHealth', 'no gRPC address given (--grpc HOST:PORT)');
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, skipped: 0 };
  for (const r of ctx.results) counts[r.status]++;
  return { target, ...(state.model ? { model: state.model } : {}), startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, results: ctx.results, counts };
}
