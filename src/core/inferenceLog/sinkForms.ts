/**
 * The three forms of a deployment's `inferenceLogger.sink`, parsed and described for the deployment
 * form, the Inference Log and the KServe builder. Pure and free of Node imports: the form's webview
 * page imports it too. The server parses the same strings (server/inferenceLog/); the grammar here
 * is the one the README documents.
 */

/** A sink string, parsed. */
export type ParsedSink =
  /** An http(s) URL: CloudEvents 1.0 in binary mode. */
  | { kind: 'http'; url: string }
  /** `kafka://host:port[,host:port]/topic`. */
  | { kind: 'kafka'; brokers: string[]; topic: string }
  /** `file:///abs/path`, or a plain path (relative to the workspace folder that holds `.modeldeck/`). */
  | { kind: 'file'; path: string; fileUrl: boolean };

/** One form a sink can take, with an example, for hints and dropdowns. */
export interface SinkForm {
  kind: ParsedSink['kind'];
  label: string;
  example: string;
  description: string;
}

export const SINK_FORMS: readonly SinkForm[] = [
  { kind: 'file', label: 'file', example: 'logs/iris.jsonl', description: 'JSON lines, one record per line, rotated by size (a path relative to the workspace folder, or file:///abs/path)' },
  { kind: 'http', label: 'http(s)', example: 'https://collector.example.com/inference', description: 'CloudEvents 1.0 in binary mode, as KServe\'s logger sends them' },
  { kind: 'kafka', label: 'kafka', example: 'kafka://broker:9092/inference-log', description: 'one Kafka message per event (Hopsworks inferencelog fields); several brokers: kafka://b1:9092,b2:9092/topic' },
];

/** "file (logs/iris.jsonl), http(s) (https://…), kafka (kafka://…)": the forms in one line. */
export function sinkFormsText(): string {
  return SINK_FORMS.map((f) => `${f.label} (${f.example})`).join(', ');
}

export type SinkParse = { ok: true; sink: ParsedSink } | { ok: false; message: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// host:port; a host is a DNS name, an IPv4 address or a bracketed IPv6 address.
const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/**
 * Parses a sink. Failures say what is wrong and name the three forms: an unknown scheme, an http(s)
 * URL without a host, a Kafka sink without a topic or a broker port, a `file:` URL that is not
 * absolute.
 */
export function parseSink(raw: string): SinkParse {
  const sink = raw.trim();
  if (sink === '') return { ok: false, message: `empty: give one of ${sinkFormsText()}, or leave it out for the server log` };
  const scheme = SCHEME.exec(sink)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(sink);
    } catch {
      return { ok: false, message: `"${sink}" is not a valid ${scheme} URL (e.g. ${SINK_FORMS[1]!.example})` };
    }
    if (!url.hostname) return { ok: false, message: `"${sink}" has no host (e.g. ${SINK_FORMS[1]!.example})` };
    return { ok: true, sink: { kind: 'http', url: sink } };
  }
  if (scheme === 'kafka') return parseKafka(sink);
  if (scheme === 'file') {
    // file:///abs/path (empty authority) or file://localhost/abs/path.
    const m = /^file:\/\/(localhost)?(\/[^?#]*)$/i.exec(sink);
    if (!m || m[2] === '/') return { ok: false, message: `"${sink}" is not a file URL with an absolute path (file:///abs/path), or give a plain path such as ${SINK_FORMS[0]!.example}` };
    let path: string;
    try {
      path = decodeURIComponent(m[2]!);
    } catch {
      return { ok: false, message: `"${sink}" has a malformed %-escape` };
    }
    // file:///C:/logs/x.jsonl is a Windows path.
    if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
    return { ok: true, sink: { kind: 'file', path, fileUrl: true } };
  }
  if (scheme !== undefined) {
    return { ok: false, message: `"${sink}": unknown sink form "${scheme}://"; the sink is one of ${sinkFormsText()}` };
  }
  // Things that look like a URL but lack "//" (http:example.com, kafka:broker:9092/t) are typos, not file names.
  const half = /^(https?|kafka|file):(?!\/\/)/i.exec(sink);
  if (half) return { ok: false, message: `"${sink}": "${half[1]!.toLowerCase()}:" needs "//" (${half[1]!.toLowerCase()}://…); the sink is one of ${sinkFormsText()}` };
  if (/[\0]/.test(sink)) return { ok: false, message: `"${sink}" is not a file path; the sink is one of ${sinkFormsText()}` };
  if (/[\\/]$/.test(sink) || sink === '.' || sink === '..') return { ok: false, message: `"${sink}" names a folder; a file sink is a file (e.g. ${SINK_FORMS[0]!.example})` };
  return { ok: true, sink: { kind: 'file', path: sink, fileUrl: false } };
}

function parseKafka(sink: string): SinkParse {
  const rest = sink.slice('kafka://'.length);
  const slash = rest.indexOf('/');
  const hosts = slash < 0 ? rest : rest.slice(0, slash);
  const topic = slash < 0 ? '' : rest.slice(slash + 1);
  const example = SINK_FORMS[2]!.example;
  if (hosts.trim() === '') return { ok: false, message: `"${sink}" names no broker: kafka://host:port[,host:port]/topic (e.g. ${example})` };
  const brokers = hosts.split(',').map((b) => b.trim());
  for (const b of brokers) {
    if (b === '') return { ok: false, message: `"${sink}" has an empty broker in its list: kafka://host:port[,host:port]/topic` };
    const m = BROKER.exec(b);
    if (!m) {
      const noPort = /^[^:\s]+$/.test(b) || /^\[[^\]]+\]$/.test(b);
      return {
        ok: false,
        message: noPort
          ? `Kafka broker "${b}" has no port: kafka://host:port[,host:port]/topic (e.g. ${example})`
          : `Kafka broker "${b}" is not host:port (e.g. ${example})`,
      };
    }
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return { ok: false, message: `Kafka broker "${b}": port ${port} is out of range (1-65535)` };
  }
  if (topic === '') return { ok: false, message: `"${sink}" names no topic: kafka://host:port[,host:port]/topic (e.g. ${example})` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(topic);
  } catch {
    return { ok: false, message: `Kafka topic "${topic}" has a malformed %-escape` };
  }
  // Kafka's own rule for topic names: 1-249 of [a-zA-Z0-9._-].
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(decoded) || decoded === '.' || decoded === '..') {
    return { ok: false, message: `Kafka topic "${decoded}" is not a valid topic name (letters, digits, ".", "_", "-"; at most 249)` };
  }
  return { ok: true, sink: { kind: 'kafka', brokers, topic: decoded } };
}

/** One line saying where a parsed sink sends records ("Kafka topic t on b:9092"). */
export function describeSink(sink: ParsedSink): string {
  switch (sink.kind) {
    case 'http':
      return `CloudEvents (binary mode) to ${sink.url}`;
    case 'kafka':
      return `Kafka topic "${sink.topic}" on ${sink.brokers.join(', ')}`;
    case 'file':
      return `JSON lines in ${sink.path}${sink.fileUrl ? '' : ' (relative to the workspace folder)'}`;
  }
}

/**
 * The problem with a deployment's sink, or undefined: a sink that matches none of the forms, and on
 * KServe a file (a path means nothing inside the cluster). An absent sink is fine (the server log).
 */
export function sinkProblem(sink: string | undefined, opts: { mode: string; servingTool?: string } = { mode: 'all' }): string | undefined {
  if (opts.mode === 'none' || sink === undefined || sink.trim() === '') return undefined;
  const parsed = parseSink(sink);
  if (!parsed.ok) return parsed.message;
  if (opts.servingTool === 'kserve' && parsed.sink.kind === 'file') {
    return `a file sink has no meaning on KServe (the path is not in the cluster): use an http(s) URL, or kafka://host:port/topic (reached through a KafkaSink)`;
  }
  return undefined;
}

/** The note under the sink field: what the sink means, and on KServe how Kafka is reached. */
export function sinkNote(sink: string, opts: { mode: string; servingTool?: string }): string {
  if (opts.mode === 'none') return '';
  if (sink.trim() === '') return 'Empty: records go to the server log. The Inference Log view follows the server\'s live stream.';
  const parsed = parseSink(sink);
  if (!parsed.ok) return '';
  const what = describeSink(parsed.sink);
  if (opts.servingTool === 'kserve' && parsed.sink.kind === 'kafka') {
    return `${what}. On KServe the logger posts CloudEvents to an HTTP URL: ModelDeck points it at a Knative KafkaSink that writes to this topic; create it with "ModelDeck: Generate Kafka Logger Manifests for KServe".`;
  }
  if (opts.servingTool === 'kserve' && parsed.sink.kind === 'http') return `${what}. KServe's logger sends to this URL from the cluster.`;
  return parsed.sink.kind === 'file' ? `${what}. The Inference Log view tails this file.` : `${what}. The Inference Log view follows the server's live stream.`;
}
