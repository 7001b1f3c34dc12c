/**
 * One report of the campaign: its latest snapshot (figures, charts, tables) at once, the time it
 * was generated, Regenerate (queued: the page reads the report again every 2 s while it
 * generates, and keeps showing the previous snapshot meanwhile) and the PDF / XLSX / CSV
 * downloads in the console's language.
 */
import { useEffect, useRef, useState } from 'react';
import { reportDictionary, reportLabel, reportTitle, reportWord } from '../../../shared/reports/labels';
import { formatValue } from '../../../shared/reports/render/format';
import type { CellValue, ReportTable, TableColumn } from '../../../shared/reports/model';
import { saveFromUrl } from '../download';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  isPending,
  nextPollDelay,
  snapshotIsStale,
  stateOf,
  type DownloadFormat,
  type ReportLanguage,
  type ReportSnapshot,
  type ReportStatus,
  type ReportType,
  type ReportsApi,
} from '../reports-api';
import { chartDataOf, ReportChart, type ChartWords } from './ReportChart';

const downloads: readonly { format: DownloadFormat; label: string }[] = [
  { format: 'pdf', label: 'PDF' },
  { format: 'xlsx', label: 'XLSX' },
  { format: 'csv', label: 'CSV' },
];

const numericFormats = new Set(['count', 'percent', 'ratio', 'duration']);
/** Times read as one unit: never broken across lines. */
const timeFormats = new Set(['time', 'hour', 'day']);
const cellClass = (format: string) => (numericFormats.has(format) ? 'table__number' : timeFormats.has(format) ? 'report__cell report__cell--time' : 'report__cell');

/** A table cell as text: a coded column (reasons, audiences) through its label, the rest by format. */
export function cellText(value: CellValue, column: TableColumn | undefined, language: ReportLanguage, timeZone: string): string {
  if (column?.coded && typeof value === 'string' && value !== '') return reportLabel(language, value);
  return formatValue(value, column?.format ?? 'text', language, { timeZone });
}

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; snapshot?: ReportSnapshot };

export function ReportView({
  reports,
  campaignId,
  type,
  status,
  onStatuses,
  canGenerate,
  produced,
  timeZone,
}: {
  reports: ReportsApi;
  campaignId: string;
  type: ReportType;
  status: ReportStatus;
  onStatuses: (statuses: readonly ReportStatus[]) => void;
  canGenerate: boolean;
  produced: boolean;
  timeZone: string;
}) {
  const { t, language } = useI18n();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [tick, setTick] = useState(0);
  const [requesting, setRequesting] = useState(false);
  const [downloading, setDownloading] = useState<DownloadFormat | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const pendingSince = useRef<number | undefined>(undefined);
  const refetchedFor = useRef<string | undefined>(undefined);
  const pending = isPending(status);
  const snapshot = loaded.kind === 'ready' ? loaded.snapshot : undefined;
  const time = (iso: string | undefined) => (iso ? formatValue(iso, 'time', language, { timeZone }) : t('common.none'));

  useEffect(() => {
    let live = true;
    reports.getReport(campaignId, type).then(
      (view) => {
        if (!live) return;
        onStatuses([view.status]);
        setLoaded((previous) => ({ kind: 'ready', snapshot: view.snapshot ?? (previous.kind === 'ready' ? previous.snapshot : undefined) }));
      },
      (error: unknown) => live && setLoaded((previous) => (previous.kind === 'ready' ? previous : { kind: 'error', message: errorText(t, error) })),
    );
    return () => {
      live = false;
    };
    // Not keyed on t or onStatuses: a language switch or a parent render must not re-fetch.
  }, [reports, campaignId, type, reload]);

  // While generating, read the report again (2 s, slower after two minutes); a failed read just tries again.
  useEffect(() => {
    if (!pending) {
      pendingSince.current = undefined;
      return;
    }
    pendingSince.current ??= Date.now();
    let live = true;
    const timer = setTimeout(() => {
      reports
        .getReport(campaignId, type)
        .then(
          (view) => {
            if (!live) return;
            onStatuses([view.status]);
            if (view.snapshot) setLoaded({ kind: 'ready', snapshot: view.snapshot });
          },
          () => undefined,
        )
        .finally(() => live && setTick((n) => n + 1));
    }, nextPollDelay(Date.now() - pendingSince.current));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [pending, tick, reports, campaignId, type]);

  // The catalogue learnt of a newer snapshot (generate-all finished it): read it, once per snapshot.
  useEffect(() => {
    if (pending || loaded.kind !== 'ready' || !snapshotIsStale(status, snapshot)) return;
    if (refetchedFor.current === status.generatedAt) return;
    refetchedFor.current = status.generatedAt;
    setReload((n) => n + 1);
  }, [pending, loaded.kind, status, snapshot]);

  async function regenerate() {
    setRequesting(true);
    setActionError(undefined);
    try {
      const answer = await reports.generateReports(campaignId, { types: [type] });
      const own = answer.reports.find((item) => item.type === type);
      // Polling follows the status; should the answer leave this report out, it is still queued.
      onStatuses(own ? answer.reports : [...answer.reports, { ...status, state: 'generating', requestedAt: new Date().toISOString() }]);
    } catch (error) {
      setActionError(errorText(t, error));
    } finally {
      setRequesting(false);
    }
  }

  async function download(format: DownloadFormat) {
    setDownloading(format);
    setActionError(undefined);
    try {
      const link = await reports.downloadReport(campaignId, type, { format, language });
      await saveFromUrl(link.url, link.fileName);
    } catch (error) {
      setActionError(errorText(t, error));
    } finally {
      setDownloading(undefined);
    }
  }

  const state = stateOf(status);
  const description = reportDictionary(language).reports[type].description;

  return (
    <section className="card card--padded report" aria-labelledby="report-title" aria-busy={pending} data-testid="report-view" data-type={type} data-state={state}>
      <header className="report__head">
        <div>
          <h2 id="report-title" data-testid="report-title">
            {reportTitle(language, type)}
          </h2>
          <p className="muted report__description">{description}</p>
        </div>
        {canGenerate ? (
          <button type="button" className="button button--primary" onClick={() => void regenerate()} disabled={requesting || pending} data-testid="report-regenerate">
            {pending ? (
              <>
                <span className="spinner spinner--small" aria-hidden="true" /> {t('reportState.generating')}
              </>
            ) : requesting ? (
              t('reports.requesting')
            ) : snapshot || status.generatedAt ? (
              `↻ ${t('reports.regenerate')}`
            ) : (
              t('reports.generate')
            )}
          </button>
        ) : null}
      </header>

      <dl className="report__meta">
        <div>
          <dt>{reportWord(language, 'generatedAt')}</dt>
          <dd data-testid="report-generated-at" data-value={snapshot?.generatedAt ?? ''}>
            {time(snapshot?.generatedAt)}
          </dd>
        </div>
        {snapshot ? (
          <div>
            <dt>{reportWord(language, 'range')}</dt>
            <dd>
              {snapshot.range.from} – {snapshot.range.to}
            </dd>
          </div>
        ) : null}
        {!produced ? (
          <div>
            <dt className="visually-hidden">{t('reports.notProduced')}</dt>
            <dd>
              <span className="tag" title={t('reports.notProducedHint')}>
                {t('reports.notProduced')}
              </span>
            </dd>
          </div>
        ) : null}
      </dl>

      {pending ? (
        <p className="notice notice--info report__generating" role="status" data-testid="report-generating">
          <span className="spinner spinner--small" aria-hidden="true" /> {t('reports.generatingNote')}
        </p>
      ) : null}
      {state === 'failed' ? (
        <div className="notice notice--error" role="alert" data-testid="report-failed">
          {t('reports.failedNote', { date: time(status.failedAt) })} {status.error ?? ''}
        </div>
      ) : null}
      {actionError ? (
        <p className="notice notice--error" role="alert" data-testid="report-action-error">
          {actionError}
        </p>
      ) : null}

      {loaded.kind === 'loading' ? (
        <div className="state state--compact" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : loaded.kind === 'error' ? (
        <div className="state state--compact state--error" role="alert" data-testid="report-load-error">
          <p>
            <strong>{t('reports.loadOneFailed')}</strong> {loaded.message}
          </p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      ) : snapshot ? (
        <ReportBody snapshot={snapshot} language={language} timeZone={timeZone} />
      ) : !pending ? (
        <p className="state state--compact" data-testid="report-never">
          {t('reports.neverNote')}
        </p>
      ) : null}

      <div className="report__downloads" role="group" aria-label={t('reports.download')}>
        <span className="report__downloads-label">{t('reports.download')}</span>
        {downloads.map(({ format, label }) => (
          <button
            key={format}
            type="button"
            className="button button--small"
            onClick={() => void download(format)}
            disabled={!snapshot || downloading !== undefined}
            aria-label={t('reports.downloadAs', { format: label })}
            data-testid={`report-download-${format}`}
          >
            ⤓ {downloading === format ? t('reports.downloading') : label}
          </button>
        ))}
      </div>
    </section>
  );
}

function ReportBody({ snapshot, language, timeZone }: { snapshot: ReportSnapshot; language: ReportLanguage; timeZone: string }) {
  const { t, locale } = useI18n();
  const { data } = snapshot;
  const tables = new Map(data.tables.map((table) => [table.key, table]));
  const number = new Intl.NumberFormat(locale);

  const wordsOf = (key: string, table: ReportTable | undefined): ChartWords => {
    const formatOf = (series: string | undefined) => table?.columns.find((column) => column.key === series)?.format ?? 'count';
    return {
      title: reportLabel(language, key),
      seriesLabel: (series) => reportLabel(language, series),
      value: (value, series) => formatValue(value, formatOf(series), language, { timeZone }),
      percent: (fraction) => formatValue(fraction, 'percent', language),
      other: t('reports.chartOther'),
      noData: t('reports.chartNoData'),
    };
  };

  return (
    <div className="report__body" data-testid="report-body" data-generated-at={snapshot.generatedAt} data-empty={data.empty ? 'true' : undefined}>
      {data.empty ? (
        <p className="notice notice--info" data-testid="report-empty">
          {reportWord(language, 'empty')}
        </p>
      ) : null}

      {data.figures.length > 0 ? (
        <>
          <h3 className="visually-hidden">{t('reports.figures')}</h3>
          <dl className="counts report__figures" data-testid="report-figures">
            {data.figures.map((figure) => (
              <div
                key={figure.key}
                className={`counts__item${numericFormats.has(figure.format) ? '' : ' report__figure--text'}`}
                data-testid="report-figure" data-key={figure.key} data-value={figure.value ?? ''}>
                <dt>{reportLabel(language, figure.key)}</dt>
                <dd>{formatValue(figure.value, figure.format, language, { timeZone })}</dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}

      {data.charts.length > 0 && !data.empty ? (
        <>
          <h3 className="visually-hidden">{t('reports.charts')}</h3>
          <div className="report__charts">
            {data.charts.map((chart) => {
              const table = tables.get(chart.table);
              const chartData = chartDataOf(chart, table, (value, column) => cellText(value, column, language, timeZone));
              return <ReportChart key={chart.key} chart={chart} data={chartData} words={wordsOf(chart.key, table)} />;
            })}
          </div>
        </>
      ) : null}

      {data.tables.map((table) => (
        <section key={table.key} className="report__table" aria-labelledby={`report-table-${table.key}`} data-testid="report-table" data-key={table.key}>
          <h3 id={`report-table-${table.key}`}>
            {reportLabel(language, table.key)} <span className="muted report__rows">{t('reports.tableRows', { count: number.format(table.rows.length) })}</span>
          </h3>
          {table.rows.length === 0 ? (
            <p className="muted">{t('reports.tableEmpty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table table--compact">
                <thead>
                  <tr>
                    {table.columns.map((column) => (
                      <th key={column.key} scope="col" className={numericFormats.has(column.format) ? 'table__number' : undefined}>
                        {reportLabel(language, column.key)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((row, i) => (
                    <tr key={i}>
                      {table.columns.map((column) => (
                        <td key={column.key} className={cellClass(column.format)}>
                          {cellText(row[column.key] ?? null, column, language, timeZone)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {table.truncated ? (
            <p className="muted report__truncated" data-testid="report-table-truncated">
              {reportWord(language, 'truncated')}
            </p>
          ) : null}
        </section>
      ))}

      <p className="muted report__foot">
        {t('reports.timeZoneNote', { zone: timeZone })} {t('reports.duration', { duration: formatValue(snapshot.durationMs, 'duration', language) })}
      </p>
    </div>
  );
}
