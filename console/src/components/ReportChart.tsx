/**
 * A report's chart as inline SVG: horizontal bars (names can be long: cities, URLs, mail clients),
 * lines (time buckets) or a pie (shares, the first series). The geometry is pure and exported for
 * test/unit/console-reports.test.ts; the component adds the words. Each chart is an image with a
 * <title> and a <desc> that reads its data aloud, and an HTML legend beside it; the table below
 * the charts holds every number too.
 */
import { useId } from 'react';
import { numericValue } from '../../../shared/reports/render/format';
import type { CellValue, ReportChart as ChartSpec, ReportTable, TableColumn } from '../../../shared/reports/model';

/** Few enough rows that bars stay readable; the table lists the rest. */
export const maxChartRows = 12;
/** Slices beyond these are summed into one "other" slice. */
export const maxPieSlices = 8;

export const chartColors = ['#0f8b8d', '#132c50', '#d98c1f', '#c0392b', '#6c5ce7', '#1e7d4f', '#8e6c8a', '#5f6b7a'] as const;

export interface ChartSeries {
  readonly key: string;
  readonly values: readonly number[];
}

export interface ChartData {
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Every series counts things: the axis steps by whole numbers. */
  readonly integer: boolean;
}

/**
 * The chart's points from its table: one label per row (the `label` column as text), one value
 * list per series column (a missing or non-numeric cell counts as 0). Timelines (`line`) keep
 * every row; the others keep the first `maxChartRows` (the tables come ranked).
 */
export function chartDataOf(chart: ChartSpec, table: ReportTable | undefined, labelText: (value: CellValue, column: TableColumn | undefined) => string): ChartData {
  if (!table) return { labels: [], series: [], integer: true };
  const rows = chart.kind === 'line' ? table.rows : table.rows.slice(0, maxChartRows);
  const labelColumn = table.columns.find((column) => column.key === chart.label);
  const series = chart.kind === 'pie' ? chart.series.slice(0, 1) : chart.series;
  const formatOf = (key: string) => table.columns.find((column) => column.key === key)?.format ?? 'count';
  return {
    integer: series.every((key) => formatOf(key) === 'count'),
    labels: rows.map((row) => labelText(row[chart.label] ?? null, labelColumn)),
    series: series.map((key) => ({ key, values: rows.map((row) => Math.max(0, numericValue(row[key] ?? null) ?? 0)) })),
  };
}

/** Trims float noise (0.1 × 3 = 0.30000000000000004) off computed tick values. */
const clean = (value: number) => Number(value.toPrecision(12));

/** The step of about `count` ticks from 0 to `max`: 1, 2 or 5 × a power of ten. */
export function niceStep(max: number, count = 4, integer = false): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = integer ? Math.max(1, max / count) : max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return clean(nice * power);
}

/** Axis ticks from 0 up to the first step at or above the largest value. */
export function niceTicks(max: number, count = 4, integer = false): number[] {
  const step = niceStep(max, count, integer);
  const steps = Math.max(1, Math.ceil(clean(max / step)));
  return Array.from({ length: steps + 1 }, (_, i) => clean(i * step));
}

const largest = (data: ChartData) => Math.max(0, ...data.series.flatMap((s) => s.values));

export interface BarGeometry {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly x: number; readonly width: number };
  readonly top: number;
  readonly ticks: readonly { readonly value: number; readonly x: number }[];
  readonly rows: readonly { readonly label: string; readonly y: number; readonly height: number }[];
  readonly bars: readonly { readonly row: number; readonly series: number; readonly value: number; readonly x: number; readonly y: number; readonly width: number; readonly height: number }[];
}

/** Horizontal grouped bars: a band per row, one bar per series in it, a shared value axis on top. */
export function barGeometry(data: ChartData, width = 640, labelWidth = 170): BarGeometry {
  const barHeight = 14;
  const bandGap = 10;
  const top = 22;
  const right = 48;
  const plot = { x: labelWidth, width: Math.max(10, width - labelWidth - right) };
  const ticks = niceTicks(largest(data), 4, data.integer);
  const axisMax = ticks.at(-1) ?? 1;
  const seriesCount = Math.max(1, data.series.length);
  const band = seriesCount * barHeight + bandGap;
  const rows = data.labels.map((label, i) => ({ label, y: top + i * band, height: band - bandGap }));
  const bars = data.labels.flatMap((_, row) =>
    data.series.map((series, s) => {
      const value = series.values[row] ?? 0;
      return { row, series: s, value, x: plot.x, y: top + row * band + s * barHeight, width: axisMax > 0 ? (value / axisMax) * plot.width : 0, height: barHeight - 2 };
    }),
  );
  return {
    width,
    height: top + rows.length * band + 4,
    plot,
    top,
    ticks: ticks.map((value) => ({ value, x: plot.x + (axisMax > 0 ? (value / axisMax) * plot.width : 0) })),
    rows,
    bars,
  };
}

export interface LineGeometry {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly ticks: readonly { readonly value: number; readonly y: number }[];
  /** SVG `points` per series. */
  readonly lines: readonly { readonly series: number; readonly points: string; readonly dots: readonly { readonly x: number; readonly y: number; readonly value: number }[] }[];
  /** Labels along the bottom: at most `maxXLabels`, first and last included. */
  readonly xLabels: readonly { readonly index: number; readonly x: number; readonly label: string }[];
}

/** Evenly spread indexes of `count` items, at most `most`, always the first and the last. */
export function spreadIndexes(count: number, most: number): number[] {
  if (count <= 0) return [];
  if (count <= most) return Array.from({ length: count }, (_, i) => i);
  const picks = new Set<number>();
  for (let i = 0; i < most; i++) picks.add(Math.round((i * (count - 1)) / (most - 1)));
  return [...picks].sort((a, b) => a - b);
}

export function lineGeometry(data: ChartData, width = 640, height = 240, maxXLabels = 6): LineGeometry {
  const plot = { x: 52, y: 12, width: width - 52 - 16, height: height - 12 - 40 };
  const ticks = niceTicks(largest(data), 4, data.integer);
  const axisMax = ticks.at(-1) ?? 1;
  const count = data.labels.length;
  const xOf = (i: number) => (count <= 1 ? plot.x + plot.width / 2 : plot.x + (i * plot.width) / (count - 1));
  const yOf = (value: number) => plot.y + plot.height - (axisMax > 0 ? (value / axisMax) * plot.height : 0);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    width,
    height,
    plot,
    ticks: ticks.map((value) => ({ value, y: round(yOf(value)) })),
    lines: data.series.map((series, s) => {
      const dots = series.values.map((value, i) => ({ x: round(xOf(i)), y: round(yOf(value)), value }));
      return { series: s, points: dots.map((dot) => `${dot.x},${dot.y}`).join(' '), dots };
    }),
    xLabels: spreadIndexes(count, maxXLabels).map((index) => ({ index, x: round(xOf(index)), label: data.labels[index] ?? '' })),
  };
}

export interface PieSlice {
  readonly index: number;
  readonly label: string;
  readonly value: number;
  readonly fraction: number;
  /** An SVG path: a wedge, or the whole disc when one slice holds everything. */
  readonly path: string;
}

/**
 * The pie's slices, largest first as the table ranks them; past `maxPieSlices` the rest are summed
 * into one slice named `otherLabel`. Zero slices are left out (they have no angle to draw).
 */
export function pieSlices(labels: readonly string[], values: readonly number[], otherLabel: string, radius = 90, center = 100): PieSlice[] {
  let items = labels.map((label, i) => ({ label, value: values[i] ?? 0 })).filter((item) => item.value > 0);
  if (items.length > maxPieSlices) {
    const kept = items.slice(0, maxPieSlices - 1);
    const rest = items.slice(maxPieSlices - 1).reduce((total, item) => total + item.value, 0);
    items = [...kept, { label: otherLabel, value: rest }];
  }
  const total = items.reduce((sum, item) => sum + item.value, 0);
  if (total <= 0) return [];
  const point = (angle: number) => {
    // 0 at twelve o'clock, clockwise.
    const x = center + radius * Math.sin(angle);
    const y = center - radius * Math.cos(angle);
    return `${Math.round(x * 100) / 100} ${Math.round(y * 100) / 100}`;
  };
  let start = 0;
  return items.map((item, index) => {
    const fraction = item.value / total;
    const end = start + fraction * 2 * Math.PI;
    const path =
      fraction >= 1
        ? `M ${center - radius} ${center} A ${radius} ${radius} 0 1 1 ${center + radius} ${center} A ${radius} ${radius} 0 1 1 ${center - radius} ${center} Z`
        : `M ${center} ${center} L ${point(start)} A ${radius} ${radius} 0 ${fraction > 0.5 ? 1 : 0} 1 ${point(end)} Z`;
    start = end;
    return { index, label: item.label, value: item.value, fraction, path };
  });
}

const color = (i: number) => chartColors[i % chartColors.length] as string;

/** Text that fits a label column: long names (URLs) are cut with an ellipsis; the <title> keeps them whole. */
export function shorten(text: string, most = 24): string {
  return [...text].length > most ? `${[...text].slice(0, most - 1).join('')}…` : text;
}

export interface ChartWords {
  readonly title: string;
  readonly seriesLabel: (key: string) => string;
  /** A value as its series' column formats it (a count, a percentage…). */
  readonly value: (value: number, seriesKey: string | undefined) => string;
  readonly percent: (fraction: number) => string;
  readonly other: string;
  readonly noData: string;
}

export function ReportChart({ chart, data, words }: { chart: ChartSpec; data: ChartData; words: ChartWords }) {
  const id = useId();
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const hasData = data.labels.length > 0 && data.series.some((s) => s.values.some((v) => v > 0));
  // The description reads the data as a list, for screen readers (the figure is an image to them).
  const describe = () =>
    data.labels
      .map((label, i) => `${label}: ${data.series.map((s) => `${words.seriesLabel(s.key)} ${words.value(s.values[i] ?? 0, s.key)}`).join(', ')}`)
      .join('; ');

  return (
    <figure className="report-chart" data-testid="report-chart" data-kind={chart.kind} data-key={chart.key}>
      <figcaption className="report-chart__title">{words.title}</figcaption>
      {!hasData ? (
        <p className="muted report-chart__empty">{words.noData}</p>
      ) : chart.kind === 'pie' ? (
        <PieChart data={data} words={words} titleId={titleId} descId={descId} />
      ) : (
        <>
          {chart.kind === 'bar' ? (
            <BarChart data={data} words={words} titleId={titleId} descId={descId} description={describe()} />
          ) : (
            <LineChart data={data} words={words} titleId={titleId} descId={descId} description={describe()} />
          )}
          <ul className="report-chart__legend">
            {data.series.map((series, s) => (
              <li key={series.key}>
                <span className="report-chart__swatch" style={{ background: color(s) }} aria-hidden="true" />
                {words.seriesLabel(series.key)}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}

interface ChartProps {
  data: ChartData;
  words: ChartWords;
  titleId: string;
  descId: string;
  description?: string;
}

function BarChart({ data, words, titleId, descId, description }: ChartProps) {
  const g = barGeometry(data);
  return (
    <svg className="report-chart__svg" viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-labelledby={`${titleId} ${descId}`}>
      <title id={titleId}>{words.title}</title>
      <desc id={descId}>{description}</desc>
      {g.ticks.map((tick) => (
        <g key={tick.value} aria-hidden="true">
          <line className="report-chart__grid" x1={tick.x} x2={tick.x} y1={g.top - 4} y2={g.height - 4} />
          <text className="report-chart__tick" x={tick.x} y={g.top - 8} textAnchor="middle">
            {words.value(tick.value, data.series[0]?.key)}
          </text>
        </g>
      ))}
      {g.rows.map((row) => (
        <text key={row.y} className="report-chart__label" x={g.plot.x - 8} y={row.y + row.height / 2} textAnchor="end" dominantBaseline="middle">
          <title>{row.label}</title>
          {shorten(row.label)}
        </text>
      ))}
      {g.bars.map((bar) => (
        <g key={`${bar.row}-${bar.series}`}>
          <rect x={bar.x} y={bar.y} width={Math.max(bar.value > 0 ? 1 : 0, bar.width)} height={bar.height} rx={2} fill={color(bar.series)}>
            <title>{`${data.labels[bar.row] ?? ''} · ${words.seriesLabel(data.series[bar.series]?.key ?? '')}: ${words.value(bar.value, data.series[bar.series]?.key)}`}</title>
          </rect>
          <text className="report-chart__value" x={bar.x + bar.width + 4} y={bar.y + bar.height / 2} dominantBaseline="middle" aria-hidden="true">
            {words.value(bar.value, data.series[bar.series]?.key)}
          </text>
        </g>
      ))}
    </svg>
  );
}

function LineChart({ data, words, titleId, descId, description }: ChartProps) {
  const g = lineGeometry(data);
  return (
    <svg className="report-chart__svg" viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-labelledby={`${titleId} ${descId}`}>
      <title id={titleId}>{words.title}</title>
      <desc id={descId}>{description}</desc>
      {g.ticks.map((tick) => (
        <g key={tick.value} aria-hidden="true">
          <line className="report-chart__grid" x1={g.plot.x} x2={g.plot.x + g.plot.width} y1={tick.y} y2={tick.y} />
          <text className="report-chart__tick" x={g.plot.x - 6} y={tick.y} textAnchor="end" dominantBaseline="middle">
            {words.value(tick.value, data.series[0]?.key)}
          </text>
        </g>
      ))}
      {g.xLabels.map((label) => (
        <text key={label.index} className="report-chart__tick" x={label.x} y={g.plot.y + g.plot.height + 18} textAnchor="middle" aria-hidden="true">
          {label.label}
        </text>
      ))}
      {g.lines.map((line) => (
        <g key={line.series}>
          <polyline points={line.points} fill="none" stroke={color(line.series)} strokeWidth={2} strokeLinejoin="round" />
          {line.dots.length <= 60
            ? line.dots.map((dot, i) => (
                <circle key={i} cx={dot.x} cy={dot.y} r={3} fill={color(line.series)}>
                  <title>{`${data.labels[i] ?? ''} · ${words.seriesLabel(data.series[line.series]?.key ?? '')}: ${words.value(dot.value, data.series[line.series]?.key)}`}</title>
                </circle>
              ))
            : null}
        </g>
      ))}
    </svg>
  );
}

function PieChart({ data, words, titleId, descId }: ChartProps) {
  const series = data.series[0];
  const slices = pieSlices(data.labels, series?.values ?? [], words.other);
  const description = slices.map((slice) => `${slice.label}: ${words.value(slice.value, series?.key)} (${words.percent(slice.fraction)})`).join('; ');
  return (
    <div className="report-chart__pie">
      <svg className="report-chart__svg report-chart__svg--pie" viewBox="0 0 200 200" role="img" aria-labelledby={`${titleId} ${descId}`}>
        <title id={titleId}>{`${words.title} · ${words.seriesLabel(series?.key ?? '')}`}</title>
        <desc id={descId}>{description}</desc>
        {slices.map((slice) => (
          <path key={slice.index} d={slice.path} fill={color(slice.index)} stroke="#fff" strokeWidth={1.5}>
            <title>{`${slice.label}: ${words.value(slice.value, series?.key)} (${words.percent(slice.fraction)})`}</title>
          </path>
        ))}
      </svg>
      <ul className="report-chart__legend report-chart__legend--pie">
        {slices.map((slice) => (
          <li key={slice.index}>
            <span className="report-chart__swatch" style={{ background: color(slice.index) }} aria-hidden="true" />
            <span className="report-chart__legend-label">{slice.label}</span>
            <span className="report-chart__legend-value">
              {words.value(slice.value, series?.key)} · {words.percent(slice.fraction)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
