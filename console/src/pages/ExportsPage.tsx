/**
 * 名單下載 (Export contacts): by filters (group, newsletter category, status, loyalty score, search)
 * or by a saved segment, as CSV or Excel, optionally split into files of at most N rows. The
 * export runs in the background; the page follows it and offers the files when it is done.
 * Filters can arrive in the address (`#/exports?group=…&status=…`), so the contacts list can link
 * here with its own.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { type ApiClient } from '../api';
import { ProgressBar, StatusBadge, useCatalogue } from '../components/jobs';
import { saveFromUrl } from '../download';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { jobsApi, type ExportFilters, type ExportFormat, type ExportJob, type ExportRequest, type JobsApi } from '../jobs-api';
import { useSubRoute } from '../routing';

const statuses = ['active', 'unsubscribed', 'bounced', 'complained'] as const;
const pollMs = 1000;

function errorOf(job: ExportJob): string | undefined {
  if (!job.error) return undefined;
  return typeof job.error === 'string' ? job.error : job.error.detail;
}

export function ExportsPage({ api }: { api: ApiClient }) {
  const jobs = useMemo(() => jobsApi(api), [api]);
  const { t, locale } = useI18n();
  const { query } = useSubRoute();
  const catalogue = useCatalogue(jobs, true);
  const [source, setSource] = useState<'filters' | 'segment'>(() => (query.get('segment') ? 'segment' : 'filters'));
  const [filters, setFilters] = useState(() => ({
    q: query.get('q') ?? '',
    group: query.get('group') ?? '',
    category: query.get('category') ?? '',
    status: query.get('status') ?? '',
    scoreMin: query.get('scoreMin') ?? '',
    scoreMax: query.get('scoreMax') ?? '',
  }));
  const [segmentId, setSegmentId] = useState(() => query.get('segment') ?? '');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [split, setSplit] = useState(false);
  const [rowsPerFile, setRowsPerFile] = useState('50000');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [currentId, setCurrentId] = useState<string | undefined>();
  const [historyVersion, setHistoryVersion] = useState(0);
  const number = new Intl.NumberFormat(locale);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const chosen: ExportFilters = {
      ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
      ...(filters.group ? { group: filters.group } : {}),
      ...(filters.category ? { category: filters.category } : {}),
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.scoreMin !== '' ? { scoreMin: Number(filters.scoreMin) } : {}),
      ...(filters.scoreMax !== '' ? { scoreMax: Number(filters.scoreMax) } : {}),
    };
    const input: ExportRequest = {
      format,
      ...(source === 'segment' ? { segmentId } : Object.keys(chosen).length > 0 ? { filters: chosen } : {}),
      ...(split ? { maxRowsPerFile: Number(rowsPerFile) } : {}),
    };
    try {
      const created = await jobs.createExport(input);
      setCurrentId(created.id);
      setHistoryVersion((n) => n + 1);
    } catch (failure) {
      setError(errorText(t, failure));
    } finally {
      setBusy(false);
    }
  }

  const set = (name: keyof typeof filters) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setFilters((state) => ({ ...state, [name]: event.target.value }));

  return (
    <section className="page" aria-labelledby="exports-title">
      <header className="page__header">
        <div>
          <h1 id="exports-title" data-testid="page-title">
            {t('exports.title')}
          </h1>
          <p className="muted">{t('exports.subtitle')}</p>
        </div>
      </header>

      <form className="card card--padded" onSubmit={submit} data-testid="export-form">
        <fieldset className="option-group">
          <legend>{t('exports.source')}</legend>
          <label className="choice">
            <input type="radio" name="export-source" checked={source === 'filters'} onChange={() => setSource('filters')} data-testid="source-filters" />
            {t('exports.byFilters')}
          </label>
          <label className="choice">
            <input type="radio" name="export-source" checked={source === 'segment'} onChange={() => setSource('segment')} data-testid="source-segment" />
            {t('exports.bySegment')}
          </label>
        </fieldset>

        {source === 'filters' ? (
          <div className="form-grid form-grid--3">
            <div className="field">
              <label htmlFor="export-q">{t('exports.search')}</label>
              <input id="export-q" type="search" value={filters.q} onChange={set('q')} placeholder={t('contacts.searchPlaceholder')} data-testid="export-q" />
            </div>
            <div className="field">
              <label htmlFor="export-group">{t('exports.group')}</label>
              <select id="export-group" value={filters.group} onChange={set('group')}>
                <option value="">{t('exports.any')}</option>
                {catalogue.groups.map((group) => (
                  <option key={group.id} value={group.id}>
                    {group.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="export-category">{t('exports.category')}</label>
              <select id="export-category" value={filters.category} onChange={set('category')}>
                <option value="">{t('exports.any')}</option>
                {catalogue.categories.map((category) => (
                  <option key={category.id} value={category.id}>
                    {category.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="export-status">{t('field.status')}</label>
              <select id="export-status" value={filters.status} onChange={set('status')}>
                <option value="">{t('exports.any')}</option>
                {statuses.map((status) => (
                  <option key={status} value={status}>
                    {t(`status.${status}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="export-score-min">{t('exports.scoreMin')}</label>
              <input id="export-score-min" type="number" min={0} step={1} value={filters.scoreMin} onChange={set('scoreMin')} />
            </div>
            <div className="field">
              <label htmlFor="export-score-max">{t('exports.scoreMax')}</label>
              <input id="export-score-max" type="number" min={0} step={1} value={filters.scoreMax} onChange={set('scoreMax')} />
            </div>
            <p className="field__hint form-grid__wide">{t('exports.filtersHint')}</p>
          </div>
        ) : (
          <div className="field field--inline">
            <label htmlFor="export-segment">{t('exports.segment')}</label>
            <select id="export-segment" value={segmentId} onChange={(event) => setSegmentId(event.target.value)} required data-testid="export-segment">
              <option value="">{t('exports.chooseSegment')}</option>
              {catalogue.segments.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
            {catalogue.segments.length === 0 ? <p className="field__hint">{t('exports.noSegments')}</p> : null}
          </div>
        )}

        <fieldset className="option-group">
          <legend>{t('exports.format')}</legend>
          <label className="choice">
            <input type="radio" name="export-format" checked={format === 'csv'} onChange={() => setFormat('csv')} data-testid="format-csv" />
            CSV <span className="field__hint">({t('exports.csvHint')})</span>
          </label>
          <label className="choice">
            <input type="radio" name="export-format" checked={format === 'xlsx'} onChange={() => setFormat('xlsx')} data-testid="format-xlsx" />
            Excel (XLSX)
          </label>
        </fieldset>

        <fieldset className="option-group">
          <legend>{t('exports.files')}</legend>
          <label className="choice">
            <input type="checkbox" checked={split} onChange={(event) => setSplit(event.target.checked)} data-testid="export-split" />
            {t('exports.split')}
          </label>
          {split ? (
            <span className="inline-number">
              <label htmlFor="export-rows" className="visually-hidden">
                {t('exports.rowsPerFile')}
              </label>
              <input id="export-rows" type="number" min={1} step={1} value={rowsPerFile} onChange={(event) => setRowsPerFile(event.target.value)} data-testid="export-rows" />
              {t('exports.rowsPerFileUnit')}
            </span>
          ) : null}
        </fieldset>

        {error ? (
          <p className="notice notice--error" role="alert" data-testid="export-error">
            {error}
          </p>
        ) : null}
        <div className="form-actions form-actions--start">
          <button type="submit" className="button button--primary" disabled={busy || (source === 'segment' && !segmentId)} data-testid="export-submit">
            ⤓ {busy ? t('exports.submitting') : t('exports.submit')}
          </button>
        </div>
      </form>

      {currentId ? <ExportWatch key={currentId} id={currentId} jobs={jobs} onDone={() => setHistoryVersion((n) => n + 1)} number={number} /> : null}
      <ExportHistory jobs={jobs} version={historyVersion} onOpen={setCurrentId} />
    </section>
  );
}

function FileButtons({ job }: { job: ExportJob }) {
  const { t, locale } = useI18n();
  const [error, setError] = useState<string | undefined>();
  const files = job.files ?? [];
  const number = new Intl.NumberFormat(locale);
  if (files.length === 0) return null;
  return (
    <>
      <ul className="files" data-testid="export-files">
        {files.map((file) => (
          <li key={file.name}>
            {file.url ? (
              <a
                className="button button--small"
                href={file.url}
                onClick={(event) => {
                  event.preventDefault();
                  setError(undefined);
                  saveFromUrl(file.url ?? '', file.name).catch(() => setError(t('exports.downloadFailed')));
                }}
                data-testid="export-file"
              >
                ⤓ {file.name}
              </a>
            ) : (
              <span className="muted">{file.name}</span>
            )}
            <span className="muted"> {t('exports.rows', { count: number.format(file.rows) })}</span>
          </li>
        ))}
      </ul>
      {error ? <p className="field__error">{error}</p> : null}
    </>
  );
}

function ExportWatch({ id, jobs, onDone, number }: { id: string; jobs: JobsApi; onDone: () => void; number: Intl.NumberFormat }) {
  const { t } = useI18n();
  const [job, setJob] = useState<ExportJob | undefined>();
  const [poll, setPoll] = useState(0);
  const [loadError, setLoadError] = useState<string | undefined>();
  const ref = useRef<HTMLElement>(null);

  // Opened from the history further down: bring it into view.
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, []);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    jobs.getExport(id).then(
      (next) => {
        if (!live) return;
        setJob(next);
        setLoadError(undefined);
        if (next.status === 'queued' || next.status === 'running') timer = setTimeout(() => setPoll((n) => n + 1), pollMs);
        else onDone();
      },
      (error: unknown) => {
        if (!live) return;
        setLoadError(errorText(t, error));
        timer = setTimeout(() => setPoll((n) => n + 1), pollMs * 3);
      },
    );
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [jobs, id, poll]);

  const done = job?.status === 'completed';
  return (
    <section ref={ref} className="card card--padded subsection" aria-live="polite" data-testid="export-current">
      <div className="job-head">
        <h2 className="job-head__name">{done ? t('exports.ready') : t('exports.running')}</h2>
        {job ? <StatusBadge status={job.status} testId="export-status" /> : null}
      </div>
      {loadError ? <p className="notice notice--error">{loadError}</p> : null}
      {job && !done && job.status !== 'failed' ? <ProgressBar label={t('exports.running')} /> : null}
      {job ? (
        <p data-testid="export-rows-written">{t('exports.rowsWritten', { count: number.format(job.rowsWritten ?? 0) })}</p>
      ) : null}
      {job?.status === 'failed' ? (
        <p className="notice notice--error" role="alert">
          {errorOf(job) ?? t('exports.failed')}
        </p>
      ) : null}
      {job && done ? <FileButtons job={job} /> : null}
    </section>
  );
}

function ExportHistory({ jobs, version, onOpen }: { jobs: JobsApi; version: number; onOpen: (id: string) => void }) {
  const { t, locale } = useI18n();
  const { dateTime } = useDateFormat();
  const [items, setItems] = useState<readonly ExportJob[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const number = new Intl.NumberFormat(locale);

  useEffect(() => {
    let live = true;
    jobs.listExports().then(
      (page) => live && setItems(page.items),
      (failure: unknown) => live && setError(errorText(t, failure)),
    );
    return () => {
      live = false;
    };
  }, [jobs, version]);

  return (
    <section className="subsection" aria-labelledby="exports-history-title">
      <header className="subsection__header">
        <h2 id="exports-history-title">{t('exports.history')}</h2>
      </header>
      <div className="card">
        {error ? (
          <div className="state state--compact state--error" role="alert">
            {error}
          </div>
        ) : !items ? (
          <div className="state state--compact" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : items.length === 0 ? (
          <div className="state state--compact">{t('exports.historyEmpty')}</div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="exports-table">
              <thead>
                <tr>
                  <th scope="col">{t('exports.createdAt')}</th>
                  <th scope="col">{t('exports.format')}</th>
                  <th scope="col">{t('imports.status')}</th>
                  <th scope="col">{t('exports.rowsHeader')}</th>
                  <th scope="col">{t('exports.files')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((job) => (
                  <tr key={job.id} data-testid="export-row">
                    <td className="nowrap muted">{job.createdAt ? dateTime(job.createdAt) : t('common.none')}</td>
                    <td>{job.format ? job.format.toUpperCase() : t('common.none')}</td>
                    <td>
                      <StatusBadge status={job.status} />
                    </td>
                    <td>{number.format(job.rowsWritten ?? 0)}</td>
                    <td>
                      {job.status === 'completed' ? (
                        // The list carries no links (they expire); opening the export asks for fresh ones.
                        <button type="button" className="button button--small" onClick={() => onOpen(job.id)} data-testid="export-open">
                          ⤓ {t('exports.filesCount', { count: job.files?.length ?? 0 })}
                        </button>
                      ) : (
                        errorOf(job) ?? t('common.none')
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
