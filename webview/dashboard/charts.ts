/**
 * Small chart wrappers over uPlot (canvas, ~50 KB, maintained): a time/elapsed line chart and a bar
 * chart. Colours come from VS Code's theme variables (`--vscode-charts-*`), read again when the theme
 * changes, so light, dark and high-contrast themes all draw readable lines. Each chart carries an
 * aria-label; the page's table view shows the same numbers for screen readers.
 */
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  /** A VS Code theme variable name, e.g. `--vscode-charts-blue`. */
  color: string;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

const charts = new Set<Chart>();

/** Theme switches change body classes (vscode-light / vscode-dark / vscode-high-contrast): redraw. */
new MutationObserver(() => charts.forEach((c) => c.rebuild())).observe(document.body, { attributes: true, attributeFilter: ['class'] });

abstract class Chart {
  protected plot: uPlot | undefined;
  protected data: uPlot.AlignedData = [[]];
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    readonly el: HTMLElement,
    protected readonly series: SeriesSpec[],
    protected readonly unit: string,
    protected readonly height = 180,
  ) {
    el.setAttribute('role', 'img');
    charts.add(this);
    this.resize.observe(el);
  }

  protected abstract options(width: number): uPlot.Options;

  protected axisStyle(): Partial<uPlot.Axis> {
    const fg = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888'));
    const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.25)');
    return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: `11px ${cssVar('--vscode-font-family', 'sans-serif')}` };
  }

  protected colorOf(s: SeriesSpec): string {
    return cssVar(s.color, '#3794ff');
  }

  rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.fit();
  }

  private fit(): void {
    const width = Math.max(200, Math.floor(this.el.clientWidth));
    if (!this.el.isConnected || this.el.offsetParent === null) return;
    if (!this.plot) this.plot = new uPlot(this.options(width), this.data, this.el);
    else if (this.plot.width !== width) this.plot.setSize({ width, height: this.height });
  }

  protected draw(data: uPlot.AlignedData, label: string): void {
    this.data = data;
    this.el.setAttribute('aria-label', label);
    if (this.plot) this.plot.setData(data);
    else this.fit();
  }
}

/** Lines over an x axis of seconds (wall time for the server, elapsed for a load test). */
export class LineChart extends Chart {
  constructor(el: HTMLElement, series: SeriesSpec[], unit: string, private readonly xIsTime = true) {
    super(el, series, unit);
  }

  protected options(width: number): uPlot.Options {
    const axis = this.axisStyle();
    return {
      width,
      height: this.height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: this.xIsTime }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1e-6, (max ?? 1) * 1.1)] } },
      axes: [
        { ...axis, ...(this.xIsTime ? {} : { values: (_u, ticks) => ticks.map((t) => `${t}s`) }) },
        { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => `${+t.toPrecision(3)}${this.unit}`) },
      ],
      series: [{}, ...this.series.map((s) => ({ label: s.label, stroke: this.colorOf(s), width: 2, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : `${+v.toPrecision(4)}${this.unit}`) }))],
    };
  }

  setData(x: number[], ys: (number | null)[][], label: string): void {
    this.draw([x, ...ys] as uPlot.AlignedData, label);
  }
}

/** Bars over categories (the batch-size buckets). */
export class BarChart extends Chart {
  private labels: string[] = [];

  protected options(width: number): uPlot.Options {
    const axis = this.axisStyle();
    const bars = uPlot.paths.bars!({ size: [0.6, 60] });
    return {
      width,
      height: this.height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.1)] } },
      axes: [
        { ...axis, splits: () => this.labels.map((_, i) => i), values: (_u, ticks) => ticks.map((t) => this.labels[t] ?? '') },
        { ...axis, size: 56 },
      ],
      series: [{}, ...this.series.map((s) => ({ label: s.label, stroke: this.colorOf(s), fill: this.colorOf(s), paths: bars, points: { show: false } }))],
    };
  }

  setBars(labels: string[], values: number[], label: string): void {
    const changed = labels.join() !== this.labels.join();
    this.labels = labels;
    if (changed) this.rebuild();
    this.draw([labels.map((_, i) => i), values], label);
  }
}
