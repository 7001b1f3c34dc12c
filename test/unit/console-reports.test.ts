import { describe, expect, test } from 'vitest';
import { defaultReportSettings, dispatchFrequencies, reportTypes as apiTypes, type ReportChart, type ReportTable } from '../../shared/reports/model';
import { recipientListSchema, reportSettingsSchema } from '../../shared/reports/operations';
import { labelledKeys } from '../../shared/reports/labels';
import { barGeometry, chartDataOf, lineGeometry, maxChartRows, maxPieSlices, niceStep, niceTicks, pieSlices, shorten, spreadIndexes } from '../../console/src/components/ReportChart';
import { en } from '../../console/src/i18n/en';
import { reportsEn } from '../../console/src/i18n/reports.en';
import { reportsZhTW } from '../../console/src/i18n/reports.zh-TW';
import {
  catalogueByCategory,
  chartable,
  comparisonChartData,
  comparisonFormatOf,
  comparisonFormats,
  comparisonGiveUpMs,
  comparisonQuery,
  defaultComparisonSelection,
  maxComparedCampaigns,
  newestFirst,
  settlePending,
  toggleCompared,
  wasSent,
  type ComparisonItem,
  isPending,
  isTimeZone,
  listInputOf,
  listJobDone,
  mergeStatuses,
  nextPollDelay,
  parseRecipients,
  reportPollMs,
  settingsFormOf,
  settingsInputOf,
  slowPollMs,
  snapshotIsStale,
  stateOf,
  statusesByType,
  wholeNumberOf,
  type ReportSnapshot,
  type ReportStatus,
} from '../../console/src/reports-api';

const at = (minute: number) => `2026-11-29T08:${String(minute).padStart(2, '0')}:00.000Z`;

describe('the catalogue', () => {
  test('groups every report once, by category, in the catalogue’s order', () => {
    const groups = catalogueByCategory();
    expect(groups.flatMap((group) => group.types)).toEqual([...apiTypes]);
    expect(groups.map((group) => group.category)).toEqual(['delivery', 'reading', 'ranking', 'geography', 'highlights', 'forwarding']);
    expect(groups[1]?.types).toContain('opens');
  });

  test('a report the API left out reads as never generated; unknown types are ignored', () => {
    const statuses = statusesByType([{ type: 'opens', state: 'ready', generatedAt: at(1) }, { type: 'nonsense', state: 'ready' } as unknown as ReportStatus]);
    expect(stateOf(statuses.opens)).toBe('ready');
    expect(stateOf(statuses.clicks)).toBe('never');
    expect(Object.keys(statuses)).toHaveLength(apiTypes.length);
  });

  test('states: generating, failed (with or without an earlier snapshot), ready, never', () => {
    expect(stateOf({ type: 'opens', state: 'generating', generatedAt: at(1) })).toBe('generating');
    expect(stateOf({ type: 'opens', state: 'failed', generatedAt: at(1), failedAt: at(2), error: 'Athena said no' })).toBe('failed');
    expect(stateOf({ type: 'opens', state: 'failed', failedAt: at(2) })).toBe('failed');
    expect(stateOf({ type: 'opens', state: 'ready', generatedAt: at(1) })).toBe('ready');
    expect(stateOf({ type: 'opens', state: 'idle' })).toBe('never');
    expect(stateOf(undefined)).toBe('never');
  });
});

describe('polling while a report generates', () => {
  test('pending while the worker says so, or while a request is newer than both the snapshot and the last failure', () => {
    expect(isPending({ type: 'opens', state: 'generating' })).toBe(true);
    expect(isPending({ type: 'opens', state: 'ready', generatedAt: at(1), requestedAt: at(2) })).toBe(true);
    expect(isPending({ type: 'opens', state: 'ready', generatedAt: at(3), requestedAt: at(2) })).toBe(false);
    expect(isPending({ type: 'opens', state: 'failed', failedAt: at(3), requestedAt: at(2) })).toBe(false);
    expect(isPending({ type: 'opens', state: 'idle', requestedAt: at(2) })).toBe(true);
    expect(isPending({ type: 'opens', state: 'ready', generatedAt: at(1) })).toBe(false);
  });

  test('every 2 s for two minutes, then every 10 s', () => {
    expect(nextPollDelay(0)).toBe(reportPollMs);
    expect(reportPollMs).toBe(2000);
    expect(nextPollDelay(119_999)).toBe(2000);
    expect(nextPollDelay(120_000)).toBe(slowPollMs);
  });

  test('the snapshot shown is read again only when the status names a different one', () => {
    const snapshot = { generatedAt: at(1) } as ReportSnapshot;
    expect(snapshotIsStale({ type: 'opens', state: 'ready', generatedAt: at(1) }, snapshot)).toBe(false);
    expect(snapshotIsStale({ type: 'opens', state: 'ready', generatedAt: at(5) }, snapshot)).toBe(true);
    expect(snapshotIsStale({ type: 'opens', state: 'ready', generatedAt: at(5) }, undefined)).toBe(true);
    expect(snapshotIsStale({ type: 'opens', state: 'idle' }, undefined)).toBe(false);
  });

  test('an answer read before the page’s own newer request does not step the report back', () => {
    const shown = statusesByType([{ type: 'opens', state: 'generating', generatedAt: at(1), requestedAt: at(4) }]);
    const stale: ReportStatus = { type: 'opens', state: 'ready', generatedAt: at(1), requestedAt: at(2) };
    expect(mergeStatuses(shown, [stale]).opens).toBe(shown.opens);
    const done: ReportStatus = { type: 'opens', state: 'ready', generatedAt: at(5), requestedAt: at(4) };
    expect(mergeStatuses(shown, [done]).opens).toEqual(done);
    // A status without times (an older API) is taken as it is.
    expect(mergeStatuses(shown, [{ type: 'opens', state: 'idle' }]).opens.state).toBe('idle');
    expect(mergeStatuses(shown, [{ type: 'clicks', state: 'generating' }]).clicks.state).toBe('generating');
  });

  test('a list job is followed until it completes or fails', () => {
    expect(listJobDone({ state: 'queued' })).toBe(false);
    expect(listJobDone({ state: 'running' })).toBe(false);
    expect(listJobDone({ state: 'completed' })).toBe(true);
    expect(listJobDone({ state: 'failed' })).toBe(true);
  });
});

describe('the recipient-list form', () => {
  test('rows per file: a whole number from 100 to 1,000,000, thousands separators allowed', () => {
    expect(wholeNumberOf('50,000', { min: 100, max: 1_000_000 })).toEqual({ value: 50_000 });
    expect(wholeNumberOf(' 100 ', { min: 100, max: 1_000_000 })).toEqual({ value: 100 });
    expect(wholeNumberOf('99', { min: 100, max: 1_000_000 })).toEqual({ problem: 'range' });
    expect(wholeNumberOf('1000001', { min: 100, max: 1_000_000 })).toEqual({ problem: 'range' });
    expect(wholeNumberOf('1.5', { min: 1, max: 10 })).toEqual({ problem: 'integer' });
    expect(wholeNumberOf('', { min: 1, max: 10 })).toEqual({ problem: 'integer' });
  });

  test('the body: the link number as the reports show it (1 = first link), for clickers only, in the console’s language', () => {
    expect(listInputOf({ list: 'clickers', format: 'csv', rowsPerFile: '50000', linkNumber: '2' }, 'en')).toEqual({ input: { list: 'clickers', format: 'csv', language: 'en', maxRowsPerFile: 50_000, linkIndex: 2 } });
    expect(listInputOf({ list: 'clickers', format: 'xlsx', rowsPerFile: '1000', linkNumber: '' }, 'zh-TW')).toEqual({ input: { list: 'clickers', format: 'xlsx', language: 'zh-TW', maxRowsPerFile: 1000 } });
    expect(listInputOf({ list: 'openers', format: 'xlsx', rowsPerFile: '1000', linkNumber: '3' }, 'zh-TW')).toEqual({ input: { list: 'openers', format: 'xlsx', language: 'zh-TW', maxRowsPerFile: 1000 } });
    expect(listInputOf({ list: 'clickers', format: 'xlsx', rowsPerFile: '10', linkNumber: '0' }, 'zh-TW')).toEqual({ problems: { maxRowsPerFile: 'range', linkIndex: 'range' } });
    expect(listInputOf({ list: 'clickers', format: 'xlsx', rowsPerFile: '100', linkNumber: '1001' }, 'zh-TW')).toEqual({ problems: { linkIndex: 'range' } });
  });

  test('what the form sends, the API’s schema accepts', () => {
    const checked = listInputOf({ list: 'clickers', format: 'csv', rowsPerFile: '1,000,000', linkNumber: '1000' }, 'en');
    expect('input' in checked && recipientListSchema.safeParse(checked.input).success).toBe(true);
  });
});

describe('the settings form', () => {
  test('recipients: commas, semicolons, lines and spaces; "Name <address>"; each address once', () => {
    expect(parseRecipients('a@example.com, b@example.com\nc@example.com;A@EXAMPLE.COM')).toEqual({ emails: ['a@example.com', 'b@example.com', 'c@example.com'], invalid: [] });
    expect(parseRecipients('王小明 <ming@example.tw>, "Boss" <boss@example.com>')).toEqual({ emails: ['ming@example.tw', 'boss@example.com'], invalid: [] });
    expect(parseRecipients('a@example.com，b@example.com、 not-an-address')).toEqual({ emails: ['a@example.com', 'b@example.com'], invalid: ['not-an-address'] });
    expect(parseRecipients('  \n ')).toEqual({ emails: [], invalid: [] });
  });

  test('the form round-trips the API’s settings, reports in catalogue order', () => {
    const settings = { ...defaultReportSettings, types: ['clicks', 'summary'] as const, dispatch: { ...defaultReportSettings.dispatch, recipients: ['a@example.com', 'b@example.com'] } };
    const form = settingsFormOf(settings);
    expect(form.types).toEqual(['summary', 'clicks']);
    expect(form.recipients).toBe('a@example.com\nb@example.com');
    expect(settingsInputOf(form)).toEqual({ input: { types: ['summary', 'clicks'], dispatch: { ...defaultReportSettings.dispatch, recipients: ['a@example.com', 'b@example.com'] } } });
  });

  test('what the settings form sends, the API’s schema accepts', () => {
    const form = { ...settingsFormOf(defaultReportSettings), frequency: 'weekly' as const, weekday: 5, recipients: 'Boss <Boss@Example.com>\nteam@example.com' };
    const checked = settingsInputOf(form);
    expect('input' in checked && reportSettingsSchema.safeParse(checked.input).success).toBe(true);
  });

  test('bad addresses and unknown time zones are named before anything is sent', () => {
    const form = { ...settingsFormOf(defaultReportSettings), recipients: 'ok@example.com, nope', timeZone: 'Mars/Olympus' };
    expect(settingsInputOf(form)).toEqual({ problems: { 'dispatch.recipients': ['nope'], 'dispatch.timeZone': ['Mars/Olympus'] } });
    expect(isTimeZone('Asia/Taipei')).toBe(true);
    expect(isTimeZone('')).toBe(false);
  });

  test('the console’s defaults are the API’s', () => {
    expect(defaultReportSettings.dispatch.timeZone).toBe('Asia/Taipei');
    expect(settingsFormOf(defaultReportSettings).types).toEqual([...apiTypes]);
  });
});

describe('chart geometry', () => {
  const table: ReportTable = {
    key: 'byCity',
    columns: [
      { key: 'city', format: 'text' },
      { key: 'opens', format: 'count' },
      { key: 'rate', format: 'percent' },
    ],
    rows: Array.from({ length: 20 }, (_, i) => ({ city: `City ${i}`, opens: 20 - i, rate: i === 3 ? null : '0.5' })),
  };
  const bar: ReportChart = { key: 'byCity', kind: 'bar', table: 'byCity', label: 'city', series: ['opens'] };

  test('chart data: labels from the label column, values from the series (blank or text numbers handled), bars capped', () => {
    const data = chartDataOf(bar, table, (value) => String(value));
    expect(data.labels).toHaveLength(maxChartRows);
    expect(data.labels[0]).toBe('City 0');
    expect(data.series[0]?.values.slice(0, 2)).toEqual([20, 19]);
    expect(data.integer).toBe(true);
    const rates = chartDataOf({ ...bar, kind: 'line', series: ['rate'] }, table, (value) => String(value));
    expect(rates.labels).toHaveLength(20);
    expect(rates.series[0]?.values[3]).toBe(0);
    expect(rates.series[0]?.values[0]).toBe(0.5);
    expect(rates.integer).toBe(false);
    expect(chartDataOf({ ...bar, kind: 'pie', series: ['opens', 'rate'] }, table, String).series).toHaveLength(1);
    expect(chartDataOf(bar, undefined, String)).toEqual({ labels: [], series: [], integer: true });
  });

  test('axis ticks are 1, 2 or 5 × 10ⁿ apart and reach the largest value; counts step by whole numbers', () => {
    expect(niceTicks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(23)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(2, 4, true)).toEqual([0, 1, 2]);
    expect(niceStep(1, 4, false)).toBe(0.5);
  });

  test('bars: one band per row, one bar per series, widths in proportion to the axis', () => {
    const data = { labels: ['A', 'B'], series: [{ key: 'x', values: [10, 5] }, { key: 'y', values: [0, 20] }], integer: true };
    const g = barGeometry(data, 640, 170);
    expect(g.bars).toHaveLength(4);
    expect(g.rows).toHaveLength(2);
    const full = g.plot.width;
    expect(g.bars.find((b) => b.row === 1 && b.series === 1)?.width).toBeCloseTo(full);
    expect(g.bars.find((b) => b.row === 0 && b.series === 0)?.width).toBeCloseTo(full / 2);
    expect(g.bars.find((b) => b.row === 0 && b.series === 1)?.width).toBe(0);
    // Series of one row sit one under the other, rows do not overlap.
    const [a0, a1, b0] = [g.bars[0], g.bars[1], g.bars[2]];
    expect(a1!.y).toBeGreaterThan(a0!.y);
    expect(b0!.y).toBeGreaterThan(a1!.y + a1!.height);
    expect(g.height).toBeGreaterThan(b0!.y);
  });

  test('lines: points span the plot, the largest value at the top, x labels spread with first and last', () => {
    const values = [0, 5, 10, 5, 0, 1, 2, 3, 4, 5];
    const g = lineGeometry({ labels: values.map((_, i) => `h${i}`), series: [{ key: 'opens', values }], integer: true }, 640, 240, 4);
    const dots = g.lines[0]!.dots;
    expect(dots[0]!.x).toBe(g.plot.x);
    expect(dots.at(-1)!.x).toBe(g.plot.x + g.plot.width);
    expect(dots[2]!.y).toBe(g.plot.y);
    expect(dots[0]!.y).toBe(g.plot.y + g.plot.height);
    expect(g.xLabels.map((l) => l.index)).toEqual([0, 3, 6, 9]);
    expect(spreadIndexes(3, 6)).toEqual([0, 1, 2]);
    expect(spreadIndexes(0, 6)).toEqual([]);
    // One point alone sits in the middle.
    const one = lineGeometry({ labels: ['x'], series: [{ key: 'opens', values: [3] }], integer: true });
    expect(one.lines[0]!.dots[0]!.x).toBe(one.plot.x + one.plot.width / 2);
  });

  test('pie: shares add up to one, zero slices are dropped, the tail is one "other" slice, one slice is the whole disc', () => {
    const slices = pieSlices(['a', 'b', 'c'], [3, 1, 0], 'Other');
    expect(slices.map((s) => s.label)).toEqual(['a', 'b']);
    expect(slices[0]!.fraction).toBeCloseTo(0.75);
    expect(slices[0]!.path).toMatch(/^M 100 100 L 100 10 A 90 90 0 1 1 /);
    expect(slices[1]!.path).toMatch(/ A 90 90 0 0 1 100 10 Z$/);
    const many = pieSlices(Array.from({ length: 12 }, (_, i) => `p${i}`), Array.from({ length: 12 }, () => 1), 'Other');
    expect(many).toHaveLength(maxPieSlices);
    expect(many.at(-1)).toMatchObject({ label: 'Other', value: 12 - maxPieSlices + 1 });
    expect(many.reduce((sum, s) => sum + s.fraction, 0)).toBeCloseTo(1);
    const whole = pieSlices(['only'], [7], 'Other');
    expect(whole[0]!.fraction).toBe(1);
    expect(whole[0]!.path.match(/ A /g)).toHaveLength(2);
    expect(pieSlices(['a'], [0], 'Other')).toEqual([]);
  });

  test('long labels are cut with an ellipsis, counting characters, not UTF-16 units', () => {
    expect(shorten('https://shop.example.com/landing?from=mail', 20)).toBe('https://shop.exampl…');
    expect(shorten('臺北市', 20)).toBe('臺北市');
    expect([...shorten('😀'.repeat(30), 10)]).toHaveLength(10);
  });
});

describe('wording', () => {
  test('the reports catalogues carry the same keys and are merged into the console’s', () => {
    expect(Object.keys(reportsZhTW).sort()).toEqual(Object.keys(reportsEn).sort());
    for (const key of Object.keys(reportsEn)) expect(Object.hasOwn(en, key), key).toBe(true);
  });

  test('every list job state and dispatch frequency has wording', () => {
    for (const state of ['queued', 'running', 'completed', 'failed']) expect(Object.hasOwn(en, `reportLists.state.${state}`), state).toBe(true);
    for (const frequency of dispatchFrequencies) expect(Object.hasOwn(en, `reportSettings.frequency.${frequency}`), frequency).toBe(true);
  });
});

describe('comparing campaigns (報表管理)', () => {
  type Listed = Parameters<typeof defaultComparisonSelection>[0][number];
  const campaign = (n: number, status: Listed['status'], ran = status !== 'draft'): Listed => ({
    id: `c${String(n).padStart(2, '0')}`,
    createdAt: `2026-11-${String(n).padStart(2, '0')}T08:00:00.000Z`,
    status,
    ...(ran ? { lastRunId: `r${n}` } : {}),
  });

  test('sent means out of draft with a run: approved or scheduled campaigns that never ran are not', () => {
    expect(wasSent(campaign(1, 'completed'))).toBe(true);
    expect(wasSent(campaign(1, 'sending'))).toBe(true);
    expect(wasSent(campaign(1, 'cancelled'))).toBe(true);
    expect(wasSent(campaign(1, 'draft'))).toBe(false);
    expect(wasSent(campaign(1, 'approved', false))).toBe(false);
    expect(wasSent(campaign(1, 'scheduled', false))).toBe(false);
  });

  test('the page opens on the 10 newest sent campaigns, newest first, whatever order they came in', () => {
    const many = [...Array.from({ length: 14 }, (_, i) => campaign(i + 1, 'completed')), campaign(20, 'draft'), campaign(21, 'approved', false), campaign(22, 'paused')];
    const shuffled = [...many].sort((a, b) => (a.id.charCodeAt(2) % 3) - (b.id.charCodeAt(2) % 3));
    expect(defaultComparisonSelection(shuffled)).toEqual(['c22', 'c14', 'c13', 'c12', 'c11', 'c10', 'c09', 'c08', 'c07', 'c06']);
    expect(defaultComparisonSelection([campaign(1, 'draft'), campaign(2, 'completed')])).toEqual(['c02']);
    expect(defaultComparisonSelection([])).toEqual([]);
    // Never more than the API compares at once.
    expect(defaultComparisonSelection(Array.from({ length: 30 }, (_, i) => campaign(i + 1, 'completed')), 50)).toHaveLength(maxComparedCampaigns);
  });

  test('newest first by creation time, then by id (ULIDs) for equal times', () => {
    const same = '2026-11-01T00:00:00.000Z';
    expect(newestFirst([{ id: 'a', createdAt: same }, { id: 'b', createdAt: same }, { id: 'c', createdAt: '2026-10-01T00:00:00.000Z' }]).map((c) => c.id)).toEqual(['b', 'a', 'c']);
  });

  test('ticking adds at the end and stops at 20; unticking removes', () => {
    expect(toggleCompared(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggleCompared(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggleCompared(['a'], 'a', true)).toEqual(['a']);
    const full = Array.from({ length: maxComparedCampaigns }, (_, i) => `c${i}`);
    expect(toggleCompared(full, 'extra', true)).toEqual(full);
    expect(toggleCompared(full, 'c0', false)).toHaveLength(maxComparedCampaigns - 1);
  });

  test('the query names each campaign once, escaped, at most 20', () => {
    expect(comparisonQuery(['01A', '01B', '01A', ' '])).toBe('campaigns=01A,01B');
    expect(comparisonQuery(['a,b', 'c d'])).toBe('campaigns=a%2Cb,c%20d');
    expect(comparisonQuery(Array.from({ length: 25 }, (_, i) => `c${i}`)).split(',')).toHaveLength(maxComparedCampaigns);
  });

  test('every compared figure has a format and a label; rates read as percentages', () => {
    for (const key of Object.keys(comparisonFormats)) expect(labelledKeys().has(key), key).toBe(true);
    expect(comparisonFormatOf('openRate')).toBe('percent');
    expect(comparisonFormatOf('openers')).toBe('count');
    expect(comparisonFormatOf('opensPerOpener')).toBe('ratio');
    expect(comparisonFormatOf('somethingNew')).toBe('count');
  });

  test('a generation asked for is awaited until its reports are in the row, or given up after a while', () => {
    const since = 1_000_000;
    const pending = { a: { types: ['opens', 'clicks'] as const, since }, b: { types: ['delivery'] as const, since }, gone: { types: ['opens'] as const, since } };
    const items = [
      { campaignId: 'a', notGenerated: ['clicks'] as const },
      { campaignId: 'b', notGenerated: [] },
    ] satisfies Pick<ComparisonItem, 'campaignId' | 'notGenerated'>[];
    expect(settlePending(pending, items, since + 2000)).toEqual({ pending: { a: pending.a }, late: [] });
    expect(settlePending(pending, items, since + comparisonGiveUpMs)).toEqual({ pending: {}, late: ['a'] });
    expect(settlePending({}, items, since)).toEqual({ pending: {}, late: [] });
  });

  test('a campaign is drawn once both its Opens and Clicks reports are generated', () => {
    expect(chartable({ notGenerated: [] })).toBe(true);
    expect(chartable({ notGenerated: ['delivery', 'unsubscribes'] })).toBe(true);
    expect(chartable({ notGenerated: ['clicks'] })).toBe(false);
    expect(chartable({ notGenerated: ['opens'] })).toBe(false);
  });

  test('the chart draws open and click rates per campaign; a rate the API left out counts as 0', () => {
    const items: ComparisonItem[] = [
      { campaignId: 'a', name: '週年慶', notGenerated: [], openRate: 0.5, clickRate: 0.25 },
      { campaignId: 'b', name: 'Spring', notGenerated: ['opens', 'clicks'] },
      { campaignId: 'c', name: 'Odd', notGenerated: [], openRate: '0.1', clickRate: null },
    ];
    expect(comparisonChartData(items)).toEqual({
      labels: ['週年慶', 'Spring', 'Odd'],
      series: [
        { key: 'openRate', values: [0.5, 0, 0.1] },
        { key: 'clickRate', values: [0.25, 0, 0] },
      ],
      integer: false,
    });
  });
});
