import * as http from 'node:http';
import * as https from 'node:https';
import { CloudEvent, HTTP } from 'cloudevents';
import type { LoggedEvent } from '../logEvent';
import { SinkError, type LogSink } from './sink';

/** One HTTP send may take this long (connect + answer) before it counts as failed. */
export const HTTP_SINK_TIMEOUT_MS = 5000;

/** Where the events of one deployment come from, as CloudEvents attributes (KServe's logger's set). */
export interface CloudEventSource {
  /** `ce-source`. */
  source: string;
  /** `ce-inferenceservicename`: the deployment. */
  deployment: string;
  /** `ce-namespace`. */
  namespace: string;
  /** `ce-component`. */
  component: string;
  /** `ce-endpoint`. */
  endpoint: string;
}

/** An HTTP sink's name in metrics and log lines: no credentials, no query. */
export function httpSinkLabel(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** `ce-type` of a request / response event. */
export const CE_TYPES = { request: 'org.kubeflow.serving.inference.request', response: 'org.kubeflow.serving.inference.response' } as const;

/** The CloudEvents attributes of an event (also the Kafka sink's `ce_` headers). */
export function cloudEventAttributes(ev: LoggedEvent, from: CloudEventSource): Record<string, string> {
  const m = ev.meta;
  const time = m.requestTimestamp + (m.messageType === 'response' ? Math.round(m.latencyMs ?? 0) : 0);
  return {
    specversion: '1.0',
    id: m.inferenceId,
    type: CE_TYPES[m.messageType],
    source: from.source,
    time: new Date(time).toISOString(),
    inferenceservicename: from.deployment,
    namespace: from.namespace,
    component: from.component,
    endpoint: from.endpoint,
    ...(m.truncatedFrom !== undefined ? { truncatedfrom: String(m.truncatedFrom) } : {}),
  };
}

/**
 * CloudEvents 1.0 in binary mode, one POST per event, as KServe's logger sends them: attributes
 * in `ce-` headers, the payload as the body with its content type. The `cloudevents` package
 * builds headers and body; the transport is ours (its own has no timeout and accepts any status).
 */
export class HttpSink implements LogSink {
  readonly maxBatch = 1;
  readonly concurrency = 4;
  readonly label: string;
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    url: string,
    private readonly from: CloudEventSource,
  ) {
    this.url = new URL(url);
    this.label = httpSinkLabel(url);
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: this.concurrency }) : new http.Agent({ keepAlive: true, maxSockets: this.concurrency });
  }

  async send(batch: LoggedEvent[]): Promise<void> {
    for (const ev of batch) await this.post(ev);
  }

  private post(ev: LoggedEvent): Promise<void> {
    // strict=false: the attributes are ours and well formed; skipping validation keeps this cheap.
    const event = new CloudEvent({ ...cloudEventAttributes(ev, this.from), datacontenttype: ev.meta.contentType, data: ev.body }, false);
    const message = HTTP.binary(event);
    const body = typeof message.body === 'string' ? Buffer.from(message.body) : (message.body as Buffer);
    const headers: http.OutgoingHttpHeaders = { ...(message.headers as Record<string, string>), 'content-length': body.length };
    const transport = this.url.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      const req = transport.request(this.url, { method: 'POST', headers, agent: this.agent, timeout: HTTP_SINK_TIMEOUT_MS }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        // 4xx but 408/429 will not change on a retry.
        else reject(new SinkError(`HTTP ${status} from ${this.label}`, status >= 400 && status < 500 && status !== 408 && status !== 429));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer from ${this.label} within ${HTTP_SINK_TIMEOUT_MS} ms`)));
      req.on('error', (err) => reject(new SinkError(`${this.label}: ${err.message}`)));
      req.end(body);
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}
