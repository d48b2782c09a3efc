/** The compliance report as Markdown (Export) and as terminal text (the CLI). */
import type { CheckResult, ComplianceReport } from './complianceTypes';

const MARK: Record<CheckResult['status'], string> = { pass: '✅ pass', fail: '❌ fail', skipped: '⏭ skipped' };

export function reportMarkdown(r: ComplianceReport): string {
  const out: string[] = [];
  out.push(`# Open Inference Protocol compliance: ${r.target.url}`, '');
  out.push(`- Model: ${r.model ? `\`${r.model}\`` : '(none)'}`);
  out.push(`- gRPC: ${r.target.grpc ?? '(not checked)'}`);
  out.push(`- Run: ${r.startedAt} (${(r.durationMs / 1000).toFixed(1)} s)`);
  out.push(`- Result: **${r.counts.pass} passed, ${r.counts.fail} failed, ${r.counts.skipped} skipped**`, '');
  out.push('| Check | Result | Spec section | Detail |', '| --- | --- | --- | --- |');
  for (const c of r.results) out.push(`| \`${c.id}\` ${cell(c.title)} | ${MARK[c.status]} | [${cell(c.section)}](${c.sectionUrl}) | ${cell(c.detail)} |`);
  out.push('', '## Exchanges', '');
  for (const c of r.results) {
    if (c.exchanges.length === 0) continue;
    out.push(`### \`${c.id}\`: ${MARK[c.status]}`, '');
    for (const e of c.exchanges) {
      out.push(`**${e.method} ${e.target}** → ${e.error ? `no answer: ${e.error}` : e.status}`, '');
      if (e.requestBody) out.push('Sent:', '', fence(e.requestBody), '');
      if (e.responseBody) out.push('Received:', '', fence(e.responseBody), '');
    }
  }
  return out.join('\n') + '\n';
}

/** One line per check, then the totals: what `modeldeck check` prints. */
export function reportText(r: ComplianceReport): string {
  const width = Math.max(...r.results.map((c) => c.id.length), 10);
  const lines = [`Open Inference Protocol compliance of ${r.target.url}${r.model ? ` (model ${r.model})` : ''}${r.target.grpc ? `, gRPC ${r.target.grpc}` : ''}`, ''];
  for (const c of r.results) lines.push(`${c.status === 'pass' ? 'PASS' : c.status === 'fail' ? 'FAIL' : 'SKIP'}  ${c.id.padEnd(width)}  ${c.detail}`);
  lines.push('', `${r.counts.pass} passed, ${r.counts.fail} failed, ${r.counts.skipped} skipped`);
  return lines.join('\n') + '\n';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function fence(s: string): string {
  const ticks = s.includes('```') ? '````' : '```';
  return `${ticks}\n${s}\n${ticks}`;
}
