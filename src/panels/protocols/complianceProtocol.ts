/**
 * Messages of the compliance report webview, both ways. Pure types shared by the host
 * (src/panels/compliance/) and the page (webview/compliance/). The host runs the checks and streams
 * each result; the page renders them and asks for a re-run or the Markdown export.
 */
import type { CheckResult, ComplianceReport, ComplianceTarget } from '../../core/compliance/complianceTypes';

export const COMPLIANCE_VIEW_TYPE = 'modeldeck.compliance';

/** Host → page. */
export type ComplianceToPage =
  | { type: 'start'; target: ComplianceTarget; label: string }
  | { type: 'result'; result: CheckResult }
  | { type: 'done'; report: ComplianceReport }
  | { type: 'failed'; message: string }
  /** Where the last export went. */
  | { type: 'exported'; file: string };

/** Page → host. */
export type ComplianceFromPage = { type: 'rerun' } | { type: 'exportMarkdown' };
