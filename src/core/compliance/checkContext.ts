/**
 * Runs checks one at a time and records what each sent and received. A check is a function that
 * returns a verdict; an exception inside it (a refused connection, an unparsable answer) is a
 * failure of that check alone, with the message as its detail, so one broken part never hides the
 * verdicts of the others.
 */
import { httpRequest } from '../net/httpRequest';
import { SECTIONS, type CheckResult, type Exchange, type SectionKey, type Verdict } from './complianceTypes';

const SHOWN = 2000; // characters of a body kept in the report: enough to see what is wrong

export function truncate(text: string): string {
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}… (${text.length} characters)` : text;
}

/** A REST answer with its text. */
export interface RestAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  text: string;
}

export class CheckContext {
  readonly results: CheckResult[] = [];
  private exchanges: Exchange[] = [];

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
    private readonly onResult?: (r: CheckResult) => void,
  ) {}

  /** Runs one check; its exchanges and verdict become one result. */
  async check(id: string, title: string, section: SectionKey, run: () => Promise<Verdict> | Verdict): Promise<CheckResult> {
    this.exchanges = [];
    let verdict: Verdict;
    try {
      verdict = await run();
    } catch (e) {
      verdict = { status: 'fail', detail: e instanceof Error ? e.message : String(e) };
    }
    const s = SECTIONS[section];
    const result: CheckResult = { id, title, section: s.section, sectionUrl: s.url, ...verdict, exchanges: this.exchanges };
    this.results.push(result);
    this.onResult?.(result);
    return result;
  }

  /** Records a result without running anything (a skipped check whose prerequisite failed). */
  async skipped(id: string, title: string, section: SectionKey, detail: string): Promise<void> {
    await this.check(id, title, section, () => ({ status: 'skipped', detail }));
  }

  /** One REST call, recorded; a connection failure is recorded and thrown (the check fails). */
  async rest(method: 'GET' | 'POST', path: string, body?: string | Uint8Array, headers: Record<string, string> = {}, shownBody?: string): Promise<RestAnswer> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    const exchange: Exchange = { method, target: url, ...(body !== undefined ? { requestBody: truncate(shownBody ?? (typeof body === 'string' ? body : `<${body.length} bytes>`)) } : {}) };
    this.exchanges.push(exchange);
    try {
      const res = await httpRequest(url, { method, headers: { ...this.headers, ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body } : {}), timeoutMs: 20_000 });
      const text = new TextDecoder().decode(res.body);
      exchange.status = String(res.status);
      exchange.responseBody = truncate(res.headers[HEADER_LENGTH] ? describeBinary(text, Number(res.headers[HEADER_LENGTH]), res.body.length) : text);
      return { ...res, text };
    } catch (e) {
      exchange.error = e instanceof Error ? e.message : String(e);
      throw new Error(`${method} ${url}: no answer (${exchange.error})`);
    }
  }

  /** Records an exchange made elsewhere (gRPC). */
  record(exchange: Exchange): void {
    this.exchanges.push({ ...exchange, ...(exchange.requestBody ? { requestBody: truncate(exchange.requestBody) } : {}), ...(exchange.responseBody ? { responseBody: truncate(exchange.responseBody) } : {}) });
  }
}

const HEADER_LENGTH = 'inference-header-content-length';

function describeBinary(text: string, headerLength: number, total: number): string {
  return `${text.slice(0, headerLength)}\n<${total - headerLength} bytes of binary tensor data>`;
}

/** The JSON of an answer, or a readable failure when it is not JSON. */
export function jsonOf(answer: RestAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new Error(`${what}: the answer is not JSON (${answer.text.slice(0, 120) || 'empty body'})`);
  }
}

/** `{"error": "<message>"}`: the error object every OIP error response carries. */
export function errorObjectProblem(answer: RestAnswer): string | undefined {
  try {
    const j = JSON.parse(answer.text) as { error?: unknown };
    return typeof j?.error === 'string' ? undefined : 'the body has no string "error" field';
  } catch {
    return `the body is not a JSON error object (${answer.text.slice(0, 80) || 'empty'})`;
  }
}
