// A small time-series graph (uPlot, bundled: no CDN, nothing loaded at run time). Colors come from
// the theme's variables, so the graph follows light, dark and high-contrast themes.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  label: string;
  /** A theme color variable without its `--vscode-` prefix, e.g. `charts-blue`. */
  color: string;
  dash?: boolean;
}

const HEIGHT = 120;

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(`--vscode-${name}`).trim() || fallback;
}

export class Chart {
  readonly element: HTMLElement;
  private plot: uPlot | undefined;
  private readonly resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));

  constructor(
    private readonly title: string,
    private readonly lines: ChartLine[],
    private readonly format: (v: number) => string,
    /** The steps the value axis may take between ticks (uPlot's `incrs`), e.g. binary sizes for bytes. */
    private readonly incrs?: number[],
  ) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.resize.observe(this.element);
  }

  /** `columns[0]` is time in seconds; the others line up with `lines`. */
  setData(columns: [number[], ...(number | null)[][]]): void {
    // The figure an e2e test (and a curious user's devtools) can read: how many samples are drawn.
    this.element.dataset['samples'] = String(columns[1]?.filter((v) => v !== null).length ?? 0);
    if (this.plot) {
      this.plot.setData(columns);
      return;
    }
    const fg = themeColor('descriptionForeground', '#888');
    const grid = themeColor('editorWidget-border', 'rgba(128,128,128,0.25)');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px sans-serif' };
    this.plot = new uPlot(
      {
        title: this.title,
        width: this.width(),
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, size: 70, ...(this.incrs ? { incrs: this.incrs } : {}), values: (_u, ticks) => ticks.map((v) => this.format(v)) }],
        series: [
          {},
          ...this.lines.map((l) => ({
            label: l.label,
            stroke: themeColor(l.color, '#3794ff'),
            width: 1.5,
            ...(l.dash ? { dash: [4, 4] } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : this.format(v)),
          })),
        ],
      },
      columns,
      this.element,
    );
  }

  private width(): number {
    return Math.max(200, this.element.clientWidth || 320);
  }

  dispose(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}
