/**
 * Report snapshots as one PDF (download, dispatch e-mail): A4, every text in the embedded CJK
 * font (pdfkit's own fonts know only Latin, and one font keeps Chinese and Latin on the same
 * baseline), charts drawn as vectors (sharp at any zoom, a few KB), tables with their header
 * repeated on each page. Each snapshot starts on a new page.
 *
 * Text is placed at computed positions with `lineBreak: false`: pdfkit then neither wraps nor adds
 * pages by itself, so this file alone decides where pages break.
 */
import PDFDocument from 'pdfkit';
import { categoryTitle, reportLabel, reportTitle, reportWord } from '../labels';
import type { CellValue, ReportChart, ReportData, ReportLanguage, ReportSnapshot, ReportTable, ValueFormat } from '../model';
import { defaultReportTimeZone, formatValue, numericValue } from './format';

export interface PdfReportOptions {
  readonly language: ReportLanguage;
  /** A TrueType / OpenType font with Traditional Chinese (`loadCjkFont()`). */
  readonly font: Uint8Array;
  /** For times and hour buckets; Asia/Taipei when absent. */
  readonly timeZone?: string;
}

/** Rows a PDF table lists; the XLSX / CSV and the recipient lists carry the rest. */
export const pdfTableRows = 200;

const A4 = { width: 595.28, height: 841.89 };
const margin = 40;
const left = margin;
const right = A4.width - margin;
const contentWidth = right - left;
/** Content stops here; the footer sits below. */
const bottom = A4.height - 52;

const colors = {
  text: '#1f2937',
  muted: '#6b7280',
  rule: '#d1d5db',
  grid: '#e5e7eb',
  panel: '#f3f6fa',
  zebra: '#f5f7fa',
  header: '#1f4e79',
  headerText: '#ffffff',
};
/** Series and slice colours, distinguishable in greyscale print too (lightness varies). */
const palette = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#94a3b8'];

const otherWord: Readonly<Record<ReportLanguage, string>> = { 'zh-TW': '其他', en: 'Other' };
const numericFormats: ReadonlySet<ValueFormat> = new Set(['count', 'percent', 'ratio', 'duration']);

type Align = 'left' | 'right' | 'center';

class ReportPdf {
  private y = margin;
  /** Footer caption of each page, in page order. */
  private readonly captions: string[] = [];
  private caption = '';

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly language: ReportLanguage,
    private readonly timeZone: string,
  ) {}

  private format(value: CellValue | undefined, format: ValueFormat): string {
    return formatValue(value, format, this.language, { timeZone: this.timeZone });
  }

  // ---- pages and text ----------------------------------------------------------------------

  newPage(): void {
    this.doc.addPage({ size: 'A4', margin });
    this.captions.push(this.caption);
    this.y = margin;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  private room(height: number): void {
    if (this.y + height > bottom) this.newPage();
  }

  /**
   * `text` cut to `width` at the current size with an ellipsis: at the end, or in the middle
   * (axis labels, where links differ only at their end).
   */
  private fit(text: string, width: number, cut: 'end' | 'middle' = 'end'): string {
    if (this.doc.widthOfString(text) <= width) return text;
    const chars = Array.from(text);
    const shorten = (keep: number) => {
      if (cut === 'end') return `${chars.slice(0, keep).join('').trimEnd()}…`;
      const head = Math.ceil(keep * 0.4);
      return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
    };
    let [low, high] = [0, chars.length];
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.doc.widthOfString(shorten(mid)) <= width) low = mid;
      else high = mid - 1;
    }
    return low === 0 ? '' : shorten(low);
  }

  /** One line of text at (x, y); with `width`, clipped to it and aligned within it. */
  private put(text: string, x: number, y: number, options: { size: number; color?: string; width?: number; align?: Align }): void {
    const doc = this.doc.fontSize(options.size);
    const shown = options.width === undefined ? text : this.fit(text, options.width);
    if (!shown) return;
    let at = x;
    if (options.width !== undefined && options.align && options.align !== 'left') {
      const slack = options.width - doc.widthOfString(shown);
      at = options.align === 'right' ? x + slack : x + slack / 2;
    }
    doc.fillColor(options.color ?? colors.text).text(shown, at, y, { lineBreak: false });
  }

  private widthOf(text: string, size: number): number {
    return this.doc.fontSize(size).widthOfString(text);
  }

  // ---- one snapshot --------------------------------------------------------------------------

  snapshot(snapshot: ReportSnapshot): void {
    const title = reportTitle(this.language, snapshot.type);
    this.caption = `${snapshot.campaignName} · ${title}`;
    this.newPage();
    this.header(snapshot, title);
    const data = snapshot.data;
    if (data.empty) this.emptyNote();
    this.figures(data);
    if (data.empty) return;
    for (const chart of data.charts) this.chart(chart, data);
    for (const table of data.tables) this.table(table);
  }

  private header(snapshot: ReportSnapshot, title: string): void {
    const colon = this.language === 'zh-TW' ? '：' : ': ';
    this.put(categoryTitle(this.language, snapshot.category), left, this.y, { size: 9, color: colors.muted, width: contentWidth });
    this.y += 14;
    this.put(title, left, this.y, { size: 18, width: contentWidth });
    this.y += 30;
    const lines = [
      `${reportWord(this.language, 'campaign')}${colon}${snapshot.campaignName}`,
      `${reportWord(this.language, 'generatedAt')}${colon}${this.format(snapshot.generatedAt, 'time')} (${this.timeZone})`,
      `${reportWord(this.language, 'range')}${colon}${snapshot.range.from} – ${snapshot.range.to}`,
    ];
    for (const line of lines) {
      this.put(line, left, this.y, { size: 9, color: colors.muted, width: contentWidth });
      this.y += 14;
    }
    this.y += 4;
    this.doc.lineWidth(0.75).strokeColor(colors.rule).moveTo(left, this.y).lineTo(right, this.y).stroke();
    this.y += 14;
  }

  private emptyNote(): void {
    this.doc.fillColor(colors.panel).roundedRect(left, this.y, contentWidth, 30, 4).fill();
    this.put(reportWord(this.language, 'empty'), left + 12, this.y + 9, { size: 10, color: colors.muted, width: contentWidth - 24 });
    this.y += 42;
  }

  /** Headline figures as a grid of panels: label small above, value large. */
  private figures(data: ReportData): void {
    const perRow = 3;
    const gap = 8;
    const width = (contentWidth - gap * (perRow - 1)) / perRow;
    const height = 44;
    for (let i = 0; i < data.figures.length; i += perRow) {
      this.room(height + gap);
      data.figures.slice(i, i + perRow).forEach((figure, column) => {
        const x = left + column * (width + gap);
        this.doc.fillColor(colors.panel).roundedRect(x, this.y, width, height, 4).fill();
        this.put(reportLabel(this.language, figure.key), x + 8, this.y + 6, { size: 8, color: colors.muted, width: width - 16 });
        this.put(this.format(figure.value, figure.format), x + 8, this.y + 19, { size: 15, width: width - 16 });
      });
      this.y += height + gap;
    }
    if (data.figures.length > 0) this.y += 8;
  }

  private sectionTitle(text: string): void {
    this.put(text, left, this.y, { size: 11, width: contentWidth });
    this.y += 18;
  }

  // ---- charts --------------------------------------------------------------------------------

  private chart(chart: ReportChart, data: ReportData): void {
    const table = data.tables.find((t) => t.key === chart.table);
    if (!table || table.rows.length === 0) return;
    const labelFormat = table.columns.find((c) => c.key === chart.label)?.format ?? 'text';
    const series = chart.series.flatMap((key) => table.columns.find((c) => c.key === key) ?? []);
    if (series.length === 0) return;
    const height = 200;
    this.room(height + 30);
    this.sectionTitle(reportLabel(this.language, chart.key));
    const labels = table.rows.map((row) => this.format(row[chart.label], labelFormat));
    const values = series.map((column) => table.rows.map((row) => numericValue(row[column.key]) ?? 0));
    const box = { x: left, y: this.y, width: contentWidth, height };
    if (chart.kind === 'pie') this.pie(box, labels, values[0] ?? [], series[0]?.format ?? 'count');
    else this.xyChart(chart.kind, box, labels, values, series);
    this.y += height + 16;
  }

  /** Bars or a line over categories: y axis with round ticks, x labels thinned (and slanted when long). */
  private xyChart(kind: 'bar' | 'line', box: Box, allLabels: readonly string[], allValues: readonly (readonly number[])[], series: readonly { key: string; format: ValueFormat }[]): void {
    const doc = this.doc;
    // Bars narrower than a hairline say nothing: rankings keep their top rows, timelines all points.
    const count = kind === 'bar' ? Math.min(allLabels.length, 100) : allLabels.length;
    const labels = allLabels.slice(0, count);
    const values = allValues.map((v) => v.slice(0, count));
    const valueFormat = series[0]?.format ?? 'count';
    const scale = niceScale(Math.max(0, ...values.flat()), valueFormat === 'count');
    const tickSize = 7;
    const ticks = Array.from({ length: Math.round(scale.top / scale.step) + 1 }, (_, i) => i * scale.step);
    const tickLabels = ticks.map((t) => this.format(t, valueFormat));
    const axisWidth = Math.max(...tickLabels.map((t) => this.widthOf(t, tickSize))) + 6;

    const legendHeight = series.length > 1 ? 14 : 0;
    const plotLeft = box.x + axisWidth;
    const plotWidth = box.width - axisWidth;
    const slot = kind === 'bar' ? plotWidth / count : plotWidth / Math.max(count - 1, 1);
    const xAt = (i: number) => (kind === 'bar' ? plotLeft + slot * (i + 0.5) : count === 1 ? plotLeft + plotWidth / 2 : plotLeft + slot * i);

    // X labels: horizontal every `step`th when short; slanted 45° and clipped when long.
    const labelSize = 7;
    const widest = Math.max(...labels.map((l) => this.widthOf(l, labelSize)));
    const slanted = widest > 64;
    const slantMax = 80;
    const step = slanted ? Math.max(1, Math.ceil((labelSize * 1.6) / slot)) : Math.max(1, Math.ceil((widest + 6) / slot));
    const labelHeight = slanted ? Math.min(widest, slantMax) * Math.SQRT1_2 + 12 : 14;

    const plotTop = box.y + legendHeight + 10;
    const plotBottom = box.y + box.height - labelHeight;
    const yAt = (v: number) => plotBottom - (v / scale.top) * (plotBottom - plotTop);

    doc.lineWidth(0.5);
    ticks.forEach((tick, i) => {
      const y = yAt(tick);
      doc.strokeColor(i === 0 ? colors.muted : colors.grid).moveTo(plotLeft, y).lineTo(plotLeft + plotWidth, y).stroke();
      this.put(tickLabels[i] ?? '', box.x, y - tickSize * 0.7, { size: tickSize, color: colors.muted, width: axisWidth - 4, align: 'right' });
    });

    for (let i = 0; i < count; i += step) {
      const x = xAt(i);
      const label = labels[i] ?? '';
      if (slanted) {
        const shown = this.fitAt(axisLabel(label), slantMax, labelSize, 'middle');
        const width = this.widthOf(shown, labelSize);
        doc.save().rotate(-45, { origin: [x, plotBottom + 4] });
        this.put(shown, x - width, plotBottom + 4 - labelSize * 0.6, { size: labelSize, color: colors.muted });
        doc.restore();
      } else {
        this.put(label, x - slot * step / 2, plotBottom + 3, { size: labelSize, color: colors.muted, width: slot * step, align: 'center' });
      }
    }

    if (kind === 'bar') {
      const group = slot * 0.72;
      const barWidth = group / series.length;
      const texts = values.map((row, s) => row.map((value) => this.format(value, series[s]?.format ?? valueFormat)));
      // Values on top of every bar or of none: a few labelled bars would read as highlighted.
      const valueSize = 6.5;
      const valueRoom = series.length === 1 ? slot : barWidth + 1;
      const showValues = texts.flat().every((text) => this.widthOf(text, valueSize) <= valueRoom);
      values.forEach((row, s) => {
        row.forEach((value, i) => {
          const x = xAt(i) - group / 2 + s * barWidth;
          const y = yAt(value);
          if (value > 0) doc.fillColor(palette[s % palette.length] ?? colors.text).rect(x, y, Math.max(barWidth - 0.6, 0.4), plotBottom - y).fill();
          if (showValues) this.put(texts[s]?.[i] ?? '', x + barWidth / 2 - valueRoom / 2, y - 9, { size: valueSize, width: valueRoom, align: 'center' });
        });
      });
    } else {
      values.forEach((row, s) => {
        const color = palette[s % palette.length] ?? colors.text;
        // Stroke state before the path: PDF allows no state operators inside a path.
        doc.lineWidth(1.2).lineJoin('round').strokeColor(color);
        row.forEach((value, i) => (i === 0 ? doc.moveTo(xAt(i), yAt(value)) : doc.lineTo(xAt(i), yAt(value))));
        doc.stroke();
        if (count <= 150) for (const [i, value] of row.entries()) doc.fillColor(color).circle(xAt(i), yAt(value), 1.8).fill();
      });
    }

    if (series.length > 1) this.legend(series.map((s) => reportLabel(this.language, s.key)), box.x + box.width, box.y);
  }

  private fitAt(text: string, width: number, size: number, cut: 'end' | 'middle' = 'end'): string {
    this.doc.fontSize(size);
    return this.fit(text, width, cut);
  }

  /** Series names in a row, right-aligned at `rightEdge`. */
  private legend(names: readonly string[], rightEdge: number, y: number): void {
    const size = 7.5;
    const items = names.map((name) => ({ name: this.fitAt(name, 120, size) })).map((item) => ({ ...item, width: this.widthOf(item.name, size) + 16 }));
    let x = rightEdge - items.reduce((sum, item) => sum + item.width, 0);
    items.forEach((item, i) => {
      this.doc.fillColor(palette[i % palette.length] ?? colors.text).rect(x, y + 2, 8, 8).fill();
      this.put(item.name, x + 11, y + 1, { size, color: colors.text });
      x += item.width;
    });
  }

  /** Slices clockwise from 12 o'clock; past eight, the smallest go into "other". */
  private pie(box: Box, labels: readonly string[], values: readonly number[], format: ValueFormat): void {
    let slices = labels.map((label, i) => ({ label, value: values[i] ?? 0 })).filter((slice) => slice.value > 0);
    const total = slices.reduce((sum, slice) => sum + slice.value, 0);
    if (total <= 0) {
      this.put('—', box.x, box.y, { size: 10, color: colors.muted });
      return;
    }
    if (slices.length > 8) {
      const sorted = [...slices].sort((a, b) => b.value - a.value);
      const rest = sorted.slice(7).reduce((sum, slice) => sum + slice.value, 0);
      slices = [...sorted.slice(0, 7), { label: otherWord[this.language], value: rest }];
    }
    const doc = this.doc;
    const radius = Math.min(box.height / 2 - 8, 90);
    const [cx, cy] = [box.x + radius + 10, box.y + box.height / 2];
    let angle = -Math.PI / 2;
    slices.forEach((slice, i) => {
      const color = palette[i % palette.length] ?? colors.text;
      const sweep = (slice.value / total) * 2 * Math.PI;
      if (sweep >= 2 * Math.PI - 1e-6) {
        doc.fillColor(color).circle(cx, cy, radius).fill();
      } else {
        const [x1, y1] = [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
        const [x2, y2] = [cx + radius * Math.cos(angle + sweep), cy + radius * Math.sin(angle + sweep)];
        doc.fillColor(color).path(`M ${cx} ${cy} L ${x1} ${y1} A ${radius} ${radius} 0 ${sweep > Math.PI ? 1 : 0} 1 ${x2} ${y2} Z`).fill();
      }
      angle += sweep;
    });
    // White seams between slices, drawn after all fills so none covers another.
    if (slices.length > 1) {
      angle = -Math.PI / 2;
      doc.lineWidth(1).strokeColor('#ffffff');
      for (const slice of slices) {
        doc.moveTo(cx, cy).lineTo(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)).stroke();
        angle += (slice.value / total) * 2 * Math.PI;
      }
    }

    const legendX = cx + radius + 30;
    const legendWidth = box.x + box.width - legendX;
    const rowHeight = 16;
    let y = cy - (slices.length * rowHeight) / 2;
    for (const [i, slice] of slices.entries()) {
      const share = `${this.format(slice.value, format)}  (${this.format(slice.value / total, 'percent')})`;
      const shareWidth = this.widthOf(share, 8);
      doc.fillColor(palette[i % palette.length] ?? colors.text).rect(legendX, y + 2, 9, 9).fill();
      this.put(slice.label, legendX + 14, y + 1, { size: 8, width: legendWidth - shareWidth - 24 });
      this.put(share, legendX + legendWidth - shareWidth, y + 1, { size: 8, color: colors.muted });
      y += rowHeight;
    }
  }

  // ---- tables --------------------------------------------------------------------------------

  private table(table: ReportTable): void {
    const size = 7.5;
    const rowHeight = 14;
    const headerHeight = 18;
    const rows = table.rows.slice(0, pdfTableRows);
    const cut = table.rows.length > rows.length || table.truncated === true;
    const columns = table.columns.map((column) => ({ ...column, label: reportLabel(this.language, column.key), numeric: numericFormats.has(column.format) }));
    const cells = rows.map((row) => columns.map((column) => this.format(row[column.key], column.format)));
    const widths = this.columnWidths(columns, cells, size);

    const drawHeader = () => {
      this.doc.fillColor(colors.header).rect(left, this.y, contentWidth, headerHeight).fill();
      let x = left;
      columns.forEach((column, i) => {
        const width = widths[i] ?? 0;
        this.put(column.label, x + 4, this.y + 5, { size, color: colors.headerText, width: width - 8, align: column.numeric ? 'right' : 'left' });
        x += width;
      });
      this.y += headerHeight;
    };

    this.room(18 + headerHeight + rowHeight * Math.min(3, Math.max(rows.length, 1)));
    this.sectionTitle(reportLabel(this.language, table.key));
    drawHeader();
    if (rows.length === 0) {
      this.put('—', left + 4, this.y + 3, { size, color: colors.muted });
      this.y += rowHeight;
    }
    cells.forEach((row, r) => {
      if (this.y + rowHeight > bottom) {
        this.newPage();
        drawHeader();
      }
      if (r % 2 === 1) this.doc.fillColor(colors.zebra).rect(left, this.y, contentWidth, rowHeight).fill();
      let x = left;
      row.forEach((text, i) => {
        const width = widths[i] ?? 0;
        this.put(text, x + 4, this.y + 3, { size, width: width - 8, align: columns[i]?.numeric ? 'right' : 'left' });
        x += width;
      });
      this.y += rowHeight;
    });
    this.doc.lineWidth(0.5).strokeColor(colors.rule).moveTo(left, this.y).lineTo(right, this.y).stroke();
    this.y += 6;
    if (cut) {
      this.room(14);
      this.put(reportWord(this.language, 'truncated'), left, this.y, { size: 7.5, color: colors.muted, width: contentWidth });
      this.y += 12;
    }
    this.y += 12;
  }

  /**
   * Widths from the content: when everything fits, each column grows in proportion; otherwise
   * narrow columns keep their natural width and the wide ones share the rest equally (water
   * filling), so one long text column cannot squeeze dates and names into ellipses.
   */
  private columnWidths(columns: readonly { label: string }[], cells: readonly (readonly string[])[], size: number): number[] {
    const padding = 10;
    const natural = columns.map((column, i) => Math.max(36, this.widthOf(column.label, size), ...cells.map((row) => this.widthOf(row[i] ?? '', size))) + padding);
    const total = natural.reduce((sum, w) => sum + w, 0);
    if (total <= contentWidth) return natural.map((w) => (w / total) * contentWidth);
    const widths: number[] = [];
    let remaining = contentWidth;
    let open = natural.length;
    for (const i of natural.map((_, i) => i).sort((a, b) => (natural[a] ?? 0) - (natural[b] ?? 0))) {
      widths[i] = Math.min(natural[i] ?? 0, remaining / open);
      remaining -= widths[i];
      open--;
    }
    return widths;
  }

  // ---- footer --------------------------------------------------------------------------------

  /** Page numbers and each page's report, once all pages exist (pages are buffered). */
  footers(): void {
    const range = this.doc.bufferedPageRange();
    const y = A4.height - 32;
    for (let i = 0; i < range.count; i++) {
      this.doc.switchToPage(range.start + i);
      const number = this.language === 'zh-TW' ? `第 ${i + 1} / ${range.count} ${reportWord(this.language, 'page')}` : `${reportWord(this.language, 'page')} ${i + 1} / ${range.count}`;
      const numberWidth = this.widthOf(number, 7.5);
      this.doc.lineWidth(0.5).strokeColor(colors.rule).moveTo(left, y - 6).lineTo(right, y - 6).stroke();
      this.put(this.captions[i] ?? '', left, y, { size: 7.5, color: colors.muted, width: contentWidth - numberWidth - 20 });
      this.put(number, right - numberWidth, y, { size: 7.5, color: colors.muted });
    }
  }
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An axis top and tick step of 1, 2, 2.5 or 5 × 10ⁿ giving about four intervals; whole steps for counts. */
function niceScale(max: number, whole: boolean): { top: number; step: number } {
  if (!(max > 0)) return whole ? { top: 4, step: 1 } : { top: 1, step: 0.25 };
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude;
  let step = (ratio <= 1 ? 1 : ratio <= 2 ? 2 : ratio <= 2.5 ? 2.5 : ratio <= 5 ? 5 : 10) * magnitude;
  if (whole) step = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

/** Links on an axis as host and path: the scheme and tracking query say nothing in 80 points. */
function axisLabel(label: string): string {
  if (!/^https?:\/\//i.test(label)) return label;
  try {
    const url = new URL(label);
    let path = url.pathname;
    try {
      path = decodeURI(path);
    } catch {
      // Keep a path that is not valid percent-encoding as it is.
    }
    return `${url.host}${path === '/' ? '' : path}`;
  } catch {
    return label;
  }
}

function documentTitle(snapshots: readonly ReportSnapshot[], language: ReportLanguage): string {
  const campaigns = [...new Set(snapshots.map((s) => s.campaignName))].join(', ');
  const titles = snapshots.map((s) => reportTitle(language, s.type)).join(language === 'zh-TW' ? '、' : ', ');
  return [campaigns, titles].filter(Boolean).join(' — ') || reportWord(language, 'empty');
}

export async function renderReportPdf(snapshots: readonly ReportSnapshot[], options: PdfReportOptions): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margin,
    autoFirstPage: false,
    bufferPages: true,
    compress: true,
    lang: options.language,
    displayTitle: true,
    info: { Title: documentTitle(snapshots, options.language), Producer: 'Pigeon', Creator: 'Pigeon' },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.registerFont('cjk', Buffer.from(options.font.buffer, options.font.byteOffset, options.font.byteLength));
  doc.font('cjk');
  const pdf = new ReportPdf(doc, options.language, options.timeZone ?? defaultReportTimeZone);
  if (snapshots.length === 0) {
    pdf.newPage();
    doc.fontSize(10).fillColor(colors.muted).text(reportWord(options.language, 'empty'), left, margin, { lineBreak: false });
  }
  for (const snapshot of snapshots) pdf.snapshot(snapshot);
  pdf.footers();
  doc.end();
  await finished;
  return new Uint8Array(Buffer.concat(chunks));
}
