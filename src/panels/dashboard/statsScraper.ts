import { snapshotFromMetrics, snapshotFromStatistics, type DeploymentSnapshot } from '../../core/dashboard/deploymentSnapshot';
import { parsePrometheusText } from '../../core/dashboard/prometheusText';
import type { PredictEndpoint } from '../../core/predict/inferenceClient';
import { httpRequest } from '../../core/net/httpRequest';

/**
 * Reads one deployment's counters from its server, in the extension host (a GET per second while the
 * dashboard shows; nothing is added to the server's request path). `/metrics` first; a server
 * without it (404: another runtime on KServe) is asked for the statistics extension instead, and
 * remembered.
 */
export class StatsScraper {
  private useStatistics = false;

  async scrape(endpoint: PredictEndpoint): Promise<DeploymentSnapshot> {
    const base = endpoint.httpUrl.replace(/\/+$/, '');
    const headers = { ...endpoint.headers };
    if (!this.useStatistics) {
      const res = await httpRequest(`${base}/metrics`, { method: 'GET', headers, timeoutMs: 5000 });
      if (res.status === 200) return snapshotFromMetrics(parsePrometheusText(new TextDecoder().decode(res.body)), endpoint.model, Date.now());
      if (res.status !== 404) throw new Error(`GET ${base}/metrics → ${res.status}`);
      this.useStatistics = true;
    }
    const url = `${base}/v2/models/${encodeURIComponent(endpoint.model)}/stats`;
    const res = await httpRequest(url, { method: 'GET', headers, timeoutMs: 5000 });
    if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} (the server has neither /metrics nor the statistics extension)`);
    return snapshotFromStatistics(JSON.parse(new TextDecoder().decode(res.body)), Date.now());
  }
}
