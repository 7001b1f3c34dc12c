/**
 * 名單匯入 (Import contacts): choose a file → it uploads straight to storage through the presigned
 * URL the API hands out → the API reads the start of it and answers with a preview (detected
 * encoding and delimiter, column mapping, sample rows with their corrections and rejects) → the
 * user sets the options (名單比對, 不加入重複名單, 過濾名單 …) and starts → live counts → the report.
 * `#/imports` is the file picker and the history; `#/imports/<id>` one import, at any stage.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { type ApiClient, type Role } from '../api';
import { Counts, ProgressBar, StatusBadge, formatBytes, useCatalogue, useFieldLabel, useRuleLabel, type Catalogue } from '../components/jobs';
import { saveFromUrl } from '../download';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  jobsApi,
  type DuplicatePolicy,
  type ImportJob,
  type ImportMode,
  type ImportOptions,
  type ImportPreview,
  type ImportProgress,
  type JobsApi,
  type SampleRow,
} from '../jobs-api';
import { hrefOf, useSubRoute } from '../routing';
import { uploadFile } from '../upload';

/** One upload in flight; kept above the routes so moving to the import's page keeps it. */
interface Upload {
  readonly id: string;
  readonly fileName: string;
  readonly total: number;
  readonly sent: number;
  readonly done: boolean;
  readonly error?: string;
}

const pollMs = 1000;
const pending = new Set(['awaiting_upload', 'queued', 'running']);
const accept = '.csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function contentTypeOf(file: File): string {
  if (file.type) return file.type;
  const name = file.name.toLowerCase();
  if (name.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (name.endsWith('.tsv')) return 'text/tab-separated-values';
  return 'text/csv';
}

export function ImportsPage({ api, role }: { api: ApiClient; role: Role }) {
  // Viewers may look at imports and their reports; uploading and starting need an operator.
  const canWrite = role !== 'viewer';
  const jobs = useMemo(() => jobsApi(api), [api]);
  const { path } = useSubRoute();
  const [upload, setUpload] = useState<Upload | undefined>();
  const { t } = useI18n();

  async function begin(file: File): Promise<void> {
    const created = await jobs.createImport({ fileName: file.name, fileSize: file.size, contentType: contentTypeOf(file) });
    setUpload({ id: created.id, fileName: file.name, total: file.size, sent: 0, done: false });
    window.location.hash = `${hrefOf('imports')}/${encodeURIComponent(created.id)}`;
    try {
      const result = await uploadFile(created, file, (sent) => setUpload((state) => (state && state.id === created.id ? { ...state, sent } : state)));
      if (result.parts) await jobs.completeUpload(created.id, result.parts);
      setUpload((state) => (state && state.id === created.id ? { ...state, sent: file.size, done: true } : state));
    } catch (error) {
      const message = error instanceof Error && error.name === 'UploadError' ? t('imports.uploadFailed', { reason: error.message }) : errorText(t, error);
      setUpload((state) => (state && state.id === created.id ? { ...state, error: message } : state));
    }
  }

  return path ? (
    <ImportDetail key={path} id={path} jobs={jobs} upload={upload?.id === path ? upload : undefined} canWrite={canWrite} />
  ) : (
    <ImportHome jobs={jobs} onFile={begin} canWrite={canWrite} />
  );
}

function PageHeader({ children, back }: { children?: ReactNode; back?: boolean }) {
  const { t } = useI18n();
  return (
    <header className="page__header">
      <div>
        {back ? (
          <a className="back-link" href={hrefOf('imports')} data-testid="imports-back">
            ← {t('imports.backToList')}
          </a>
        ) : null}
        <h1 id="imports-title" data-testid="page-title">
          {t('imports.title')}
        </h1>
        <p className="muted">{t('imports.subtitle')}</p>
      </div>
      {children}
    </header>
  );
}

function ImportHome({ jobs, onFile, canWrite }: { jobs: JobsApi; onFile: (file: File) => Promise<void>; canWrite: boolean }) {
  const { t, locale } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      await onFile(file);
    } catch (failure) {
      setError(errorText(t, failure));
      setBusy(false);
    }
  }

  return (
    <section className="page" aria-labelledby="imports-title">
      <PageHeader />
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('imports.readOnly')}
        </p>
      ) : (
      <form className="card card--padded upload" onSubmit={submit} data-testid="import-upload-form">
        <h2>{t('imports.step1')}</h2>
        <p className="muted">{t('imports.fileHint')}</p>
        <label className="dropzone">
          <input
            type="file"
            accept={accept}
            data-testid="import-file"
            onChange={(event) => {
              setFile(event.target.files?.[0]);
              setError(undefined);
            }}
          />
          <span className="dropzone__text">
            {file ? (
              <>
                <strong data-testid="import-file-name">{file.name}</strong> <span className="muted">({formatBytes(file.size, locale)})</span>
              </>
            ) : (
              t('imports.chooseFile')
            )}
          </span>
        </label>
        {error ? (
          <p className="notice notice--error" role="alert" data-testid="import-error">
            {error}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={!file || busy} data-testid="import-upload">
            {busy ? t('imports.uploading') : t('imports.upload')}
          </button>
        </div>
      </form>
      )}
      <ImportHistory jobs={jobs} />
    </section>
  );
}

function progressSummary(t: ReturnType<typeof useI18n>['t'], job: ImportJob): string {
  const p = job.progress ?? {};
  if (job.status !== 'completed' && job.status !== 'running') return '';
  if (job.mode === 'compare') return t('imports.summaryCompare', { new: p.new ?? 0, present: p.present ?? 0, different: p.different ?? 0 });
  return t('imports.summary', { created: p.created ?? 0, updated: p.updated ?? 0, rejected: p.rejected ?? 0 });
}

function ImportHistory({ jobs }: { jobs: JobsApi }) {
  const { t } = useI18n();
  const { dateTime } = useDateFormat();
  const [state, setState] = useState<{ kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: readonly ImportJob[] }>({
    kind: 'loading',
  });
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    jobs.listImports().then(
      (page) => live && setState({ kind: 'ready', items: page.items }),
      (error: unknown) => live && setState({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [jobs, reload]);

  return (
    <section className="subsection" aria-labelledby="imports-history-title">
      <header className="subsection__header">
        <h2 id="imports-history-title">{t('imports.history')}</h2>
      </header>
      <div className="card">
        {state.kind === 'loading' ? (
          <div className="state state--compact" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : state.kind === 'error' ? (
          <div className="state state--compact state--error" role="alert">
            <p>{state.message}</p>
            <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : state.items.length === 0 ? (
          <div className="state state--compact" data-testid="imports-empty">
            {t('imports.historyEmpty')}
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="imports-table">
              <thead>
                <tr>
                  <th scope="col">{t('imports.file')}</th>
                  <th scope="col">{t('imports.mode')}</th>
                  <th scope="col">{t('imports.status')}</th>
                  <th scope="col">{t('imports.result')}</th>
                  <th scope="col">{t('imports.createdAt')}</th>
                  <th scope="col" className="table__actions">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.items.map((job) => (
                  <tr key={job.id} data-testid="import-row" data-import-id={job.id}>
                    <td className="table__strong">{job.fileName}</td>
                    <td className="nowrap">{job.mode === 'compare' ? t('imports.modeCompare') : t('imports.modeImport')}</td>
                    <td>
                      <StatusBadge status={job.status} />
                    </td>
                    <td className="muted">{job.status === 'failed' ? (job.error?.detail ?? t('common.none')) : progressSummary(t, job) || t('common.none')}</td>
                    <td className="nowrap muted">{dateTime(job.createdAt)}</td>
                    <td className="table__actions">
                      <a className="button button--small" href={`${hrefOf('imports')}/${encodeURIComponent(job.id)}`} aria-label={t('imports.openOf', { name: job.fileName })}>
                        {t('imports.open')}
                      </a>
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

function ImportDetail({ id, jobs, upload, canWrite }: { id: string; jobs: JobsApi; upload?: Upload; canWrite: boolean }) {
  const { t, locale } = useI18n();
  const catalogue = useCatalogue(jobs);
  const [job, setJob] = useState<ImportJob | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [poll, setPoll] = useState(0);
  // A failed upload leaves the import awaiting its file for good: no point asking again.
  const uploadFailed = useRef(false);
  uploadFailed.current = Boolean(upload?.error);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    jobs.getImport(id).then(
      (next) => {
        if (!live) return;
        setJob(next);
        setLoadError(undefined);
        const stuck = next.status === 'awaiting_upload' && uploadFailed.current;
        if (pending.has(next.status) && !stuck) timer = setTimeout(() => setPoll((n) => n + 1), pollMs);
      },
      (error: unknown) => {
        if (!live) return;
        setLoadError(errorText(t, error));
        // A passing network failure should not end the watch of a running import.
        timer = setTimeout(() => setPoll((n) => n + 1), pollMs * 3);
      },
    );
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [jobs, id, poll]);

  const uploading = upload && !upload.done && !upload.error;

  return (
    <section className="page" aria-labelledby="imports-title">
      <PageHeader back />
      {job ? (
        <div className="job-head" data-testid="import-head">
          <h2 className="job-head__name" data-testid="import-file-title">
            {job.fileName}
          </h2>
          <StatusBadge status={job.status} testId="import-status" />
        </div>
      ) : null}
      {loadError && !job ? (
        <p className="notice notice--error" role="alert">
          {loadError}
        </p>
      ) : null}
      {upload?.error ? (
        <p className="notice notice--error" role="alert" data-testid="upload-error">
          {upload.error}
        </p>
      ) : null}
      {uploading || (job?.status === 'awaiting_upload' && !upload?.error) ? (
        <div className="card card--padded" data-testid="import-uploading">
          <h2>{uploading ? t('imports.uploadingFile') : upload ? t('imports.analysing') : t('imports.awaitingFile')}</h2>
          {upload && uploading ? (
            <>
              <ProgressBar value={upload.sent} max={upload.total} label={t('imports.uploadingFile')} />
              <p className="muted" data-testid="upload-progress">
                {formatBytes(upload.sent, locale)} / {formatBytes(upload.total, locale)}
              </p>
            </>
          ) : (
            <ProgressBar label={t('imports.analysing')} />
          )}
        </div>
      ) : null}
      {!job && !loadError && !upload ? (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : null}
      {job?.status === 'failed' ? (
        <div className="notice notice--error" role="alert" data-testid="import-failed">
          <strong>{t('imports.failed')}</strong> {job.error?.detail ?? ''}
        </div>
      ) : null}
      {job?.status === 'ready' && job.preview && !canWrite ? (
        <>
          <p className="notice notice--info">{t('imports.readOnlyReady')}</p>
          <section className="card card--padded">
            <SampleTable preview={job.preview} mapping={job.preview.mapping} catalogue={catalogue} />
          </section>
        </>
      ) : null}
      {job?.status === 'ready' && job.preview && canWrite ? (
        <ImportSetup job={job} preview={job.preview} catalogue={catalogue} jobs={jobs} onStarted={() => setPoll((n) => n + 1)} />
      ) : null}
      {job && (job.status === 'queued' || job.status === 'running' || job.status === 'completed') ? <ImportRun job={job} jobs={jobs} /> : null}
      {job?.preview && job.status !== 'ready' ? (
        <details className="card card--padded preview-again">
          <summary>{t('imports.previewAgain')}</summary>
          <SampleTable preview={job.preview} mapping={job.options?.mapping ?? job.preview.mapping} catalogue={catalogue} />
        </details>
      ) : null}
    </section>
  );
}

const encodings = ['big5', 'utf-8', 'utf-16le', 'utf-16be', 'gb18030', 'shift_jis'] as const;
const delimiters = [',', '\t', ';', '|'] as const;
const regions = ['TW', 'HK', 'MO', 'CN', 'SG', 'MY', 'JP', 'KR', 'US', 'GB'] as const;

function useEncodingLabel() {
  const { t } = useI18n();
  return (encoding: string) => {
    switch (encoding.toLowerCase()) {
      case 'big5':
      case 'cp950':
        return 'Big5 (CP950)';
      case 'utf-8':
        return 'UTF-8';
      case 'utf-16le':
        return 'UTF-16 LE';
      case 'utf-16be':
        return 'UTF-16 BE';
      case 'gb18030':
        return 'GB18030';
      case 'shift_jis':
        return 'Shift_JIS';
      case 'binary':
        return t('imports.encodingBinary');
      default:
        return encoding;
    }
  };
}

function useDelimiterLabel() {
  const { t } = useI18n();
  return (delimiter: string) =>
    delimiter === ',' ? t('imports.delimiterComma') : delimiter === '\t' ? t('imports.delimiterTab') : delimiter === ';' ? t('imports.delimiterSemicolon') : delimiter === '|' ? t('imports.delimiterPipe') : delimiter;
}

/** Preview, mapping and options of an import that is `ready`; starts it. */
function ImportSetup({
  job,
  preview,
  catalogue,
  jobs,
  onStarted,
}: {
  job: ImportJob;
  preview: ImportPreview;
  catalogue: Catalogue;
  jobs: JobsApi;
  onStarted: () => void;
}) {
  const { t, language } = useI18n();
  const fieldLabel = useFieldLabel(catalogue.fields);
  const encodingLabel = useEncodingLabel();
  const delimiterLabel = useDelimiterLabel();
  const format = preview.detected.format;
  const [mapping, setMapping] = useState<Record<string, string | null>>(() => ({ ...preview.mapping }));
  const [encoding, setEncoding] = useState('');
  const [delimiter, setDelimiter] = useState('');
  const [noQuote, setNoQuote] = useState(false);
  const [sheet, setSheet] = useState('');
  const [mode, setMode] = useState<ImportMode>('import');
  const mapped = useMemo(() => [...new Set(Object.values(mapping).filter((field): field is string => Boolean(field)))], [mapping]);
  const [keys, setKeys] = useState<string[]>(() => {
    const fields = Object.values(preview.mapping);
    return fields.includes('email') ? ['email'] : fields.includes('mobile') ? ['mobile'] : ['email'];
  });
  const [policy, setPolicy] = useState<DuplicatePolicy>('skip');
  const [region, setRegion] = useState('TW');
  const [keywords, setKeywords] = useState('');
  const [keywordFields, setKeywordFields] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [subscribe, setSubscribe] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const regionNames = useMemo(() => new Intl.DisplayNames([language], { type: 'region' }), [language]);

  // A key or filter field that is no longer mapped would be refused by the API; drop it.
  const keyChoices = [...new Set(['email', 'mobile', 'fax', ...mapped])];
  const keysInUse = keys.filter((key) => keyChoices.includes(key));
  const mappingChanged = Object.keys(mapping).some((header) => mapping[header] !== preview.mapping[header]);
  const overridden = Boolean(encoding || delimiter || noQuote || sheet);

  async function start() {
    setBusy(true);
    setError(undefined);
    const keywordList = keywords
      .split(/[,，、\n]/)
      .map((word) => word.trim())
      .filter(Boolean);
    const options: ImportOptions = {
      mode,
      keys: keysInUse.length > 0 ? keysInUse : ['email'],
      defaultRegion: region,
      ...(mappingChanged ? { mapping } : {}),
      ...(encoding ? { encoding } : {}),
      ...(delimiter ? { delimiter } : {}),
      ...(noQuote ? { quote: false } : {}),
      ...(sheet.trim() ? { sheet: /^\d+$/.test(sheet.trim()) ? Number(sheet.trim()) : sheet.trim() } : {}),
      ...(mode === 'import' ? { policy } : {}),
      ...(keywordList.length > 0 ? { keywordFilters: { keywords: keywordList, ...(keywordFields.length > 0 ? { fields: keywordFields } : {}) } } : {}),
      ...(mode === 'import' && groupIds.length > 0 ? { groupIds } : {}),
      ...(mode === 'import' && subscribe.length > 0 ? { subscribe } : {}),
    };
    try {
      await jobs.startImport(job.id, options);
      onStarted();
    } catch (failure) {
      setError(errorText(t, failure));
      setBusy(false);
    }
  }

  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((item) => item !== value) : [...list, value]);

  return (
    <>
      <section className="card card--padded" aria-labelledby="detected-title" data-testid="import-detected">
        <h2 id="detected-title">{t('imports.step2')}</h2>
        <dl className="facts">
          <div>
            <dt>{t('imports.format')}</dt>
            <dd data-testid="detected-format">{format.toUpperCase()}</dd>
          </div>
          {format !== 'xlsx' ? (
            <>
              <div>
                <dt>{t('imports.encoding')}</dt>
                <dd data-testid="detected-encoding">{encodingLabel(preview.detected.encoding)}</dd>
              </div>
              <div>
                <dt>{t('imports.delimiter')}</dt>
                <dd data-testid="detected-delimiter">{preview.detected.delimiter ? delimiterLabel(preview.detected.delimiter) : t('common.none')}</dd>
              </div>
            </>
          ) : null}
          <div>
            <dt>{t('imports.columns')}</dt>
            <dd>{preview.header.length}</dd>
          </div>
        </dl>
        <details className="overrides" open={overridden}>
          <summary>{t('imports.overrides')}</summary>
          <p className="field__hint">{t('imports.overridesHint')}</p>
          <div className="form-grid">
            {format !== 'xlsx' ? (
              <>
                <div className="field">
                  <label htmlFor="import-encoding">{t('imports.encoding')}</label>
                  <select id="import-encoding" value={encoding} onChange={(event) => setEncoding(event.target.value)} data-testid="import-encoding">
                    <option value="">{t('imports.asDetected', { value: encodingLabel(preview.detected.encoding) })}</option>
                    {encodings.map((value) => (
                      <option key={value} value={value}>
                        {encodingLabel(value)}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor="import-delimiter">{t('imports.delimiter')}</label>
                  <select id="import-delimiter" value={delimiter} onChange={(event) => setDelimiter(event.target.value)} data-testid="import-delimiter">
                    <option value="">{t('imports.asDetected', { value: preview.detected.delimiter ? delimiterLabel(preview.detected.delimiter) : '—' })}</option>
                    {delimiters.map((value) => (
                      <option key={value} value={value}>
                        {delimiterLabel(value)}
                      </option>
                    ))}
                  </select>
                </div>
                <label className="choice form-grid__wide">
                  <input type="checkbox" checked={noQuote} onChange={(event) => setNoQuote(event.target.checked)} data-testid="import-no-quote" />
                  {t('imports.noQuote')}
                </label>
                <p className="field__hint form-grid__wide">{t('imports.noQuoteHint')}</p>
              </>
            ) : (
              <div className="field">
                <label htmlFor="import-sheet">{t('imports.sheet')}</label>
                <input id="import-sheet" value={sheet} placeholder={t('imports.sheetFirst')} onChange={(event) => setSheet(event.target.value)} />
              </div>
            )}
          </div>
        </details>
      </section>

      <section className="card card--padded" aria-labelledby="mapping-title">
        <h2 id="mapping-title">{t('imports.mappingTitle')}</h2>
        <p className="muted">{t('imports.mappingHint')}</p>
        <div className="table-wrap">
          <table className="table table--compact" data-testid="import-mapping">
            <thead>
              <tr>
                <th scope="col">{t('imports.column')}</th>
                <th scope="col">{t('imports.mapsTo')}</th>
                <th scope="col">{t('imports.examples')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.header.map((header) => {
                const field = mapping[header] ?? null;
                const examples = field
                  ? preview.sample
                      .map((row) => row.fields[field])
                      .filter((value): value is string => Boolean(value))
                      .slice(0, 2)
                  : [];
                return (
                  <tr key={header} data-testid="mapping-row" data-header={header}>
                    <td className="table__strong">{header}</td>
                    <td>
                      <select
                        className="select"
                        aria-label={t('imports.mapsToOf', { column: header })}
                        value={field ?? ''}
                        onChange={(event) => setMapping((state) => ({ ...state, [header]: event.target.value || null }))}
                      >
                        <option value="">{t('imports.ignore')}</option>
                        {preview.fields.map((name) => (
                          <option key={name} value={name}>
                            {fieldLabel(name)}
                            {name.startsWith('custom.') ? ` (${t('imports.customField')})` : ''}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="muted table__sub">{examples.join(' · ') || t('common.none')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card card--padded" aria-labelledby="sample-title">
        <h2 id="sample-title">{t('imports.sampleTitle')}</h2>
        <p className="muted">{t('imports.sampleHint')}</p>
        <SampleTable preview={preview} mapping={preview.mapping} catalogue={catalogue} />
      </section>

      <section className="card card--padded" aria-labelledby="options-title" data-testid="import-options">
        <h2 id="options-title">{t('imports.step3')}</h2>
        <fieldset className="option-group">
          <legend>{t('imports.mode')}</legend>
          <label className="choice">
            <input type="radio" name="import-mode" checked={mode === 'import'} onChange={() => setMode('import')} data-testid="mode-import" />
            {t('imports.modeImport')}
          </label>
          <label className="choice">
            <input type="radio" name="import-mode" checked={mode === 'compare'} onChange={() => setMode('compare')} data-testid="mode-compare" />
            {t('imports.modeCompareLong')}
          </label>
          <p className="field__hint">{mode === 'compare' ? t('imports.modeCompareHint') : t('imports.modeImportHint')}</p>
        </fieldset>

        <fieldset className="option-group">
          <legend>{t('imports.keys')}</legend>
          <p className="field__hint">{t('imports.keysHint')}</p>
          <div className="choices">
            {keyChoices.map((field) => (
              <label key={field} className="choice">
                <input type="checkbox" checked={keysInUse.includes(field)} onChange={() => setKeys((list) => toggle(list, field))} data-testid={`key-${field}`} />
                {fieldLabel(field)}
              </label>
            ))}
          </div>
        </fieldset>

        {mode === 'import' ? (
          <fieldset className="option-group">
            <legend>{t('imports.policy')}</legend>
            {(['skip', 'update', 'updateEmpty'] as const).map((value) => (
              <label key={value} className="choice choice--block">
                <input type="radio" name="import-policy" checked={policy === value} onChange={() => setPolicy(value)} data-testid={`policy-${value}`} />
                <span>
                  {t(`imports.policy.${value}`)}
                  <span className="field__hint"> — {t(`imports.policyHint.${value}`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
        ) : null}

        <div className="form-grid">
          <div className="field">
            <label htmlFor="import-region">{t('imports.region')}</label>
            <select id="import-region" value={region} onChange={(event) => setRegion(event.target.value)} data-testid="import-region">
              {regions.map((code) => (
                <option key={code} value={code}>
                  {regionNames.of(code) ?? code} (+{callingCodes[code]})
                </option>
              ))}
            </select>
            <p className="field__hint">{t('imports.regionHint')}</p>
          </div>
          <div className="field">
            <label htmlFor="import-keywords">{t('imports.keywords')}</label>
            <input id="import-keywords" value={keywords} onChange={(event) => setKeywords(event.target.value)} placeholder={t('imports.keywordsPlaceholder')} data-testid="import-keywords" />
            <p className="field__hint">{t('imports.keywordsHint')}</p>
          </div>
        </div>
        {keywords.trim() ? (
          <fieldset className="option-group">
            <legend>{t('imports.keywordFields')}</legend>
            <div className="choices">
              {mapped.map((field) => (
                <label key={field} className="choice">
                  <input type="checkbox" checked={keywordFields.includes(field)} onChange={() => setKeywordFields((list) => toggle(list, field))} />
                  {fieldLabel(field)}
                </label>
              ))}
            </div>
            <p className="field__hint">{t('imports.keywordFieldsHint')}</p>
          </fieldset>
        ) : null}

        {mode === 'import' ? (
          <div className="form-grid">
            <fieldset className="option-group">
              <legend>{t('imports.groups')}</legend>
              {catalogue.groups.length === 0 ? <p className="field__hint">{t('imports.noGroups')}</p> : null}
              <div className="choices">
                {catalogue.groups.map((group) => (
                  <label key={group.id} className="choice">
                    <input type="checkbox" checked={groupIds.includes(group.id)} onChange={() => setGroupIds((list) => toggle(list, group.id))} />
                    {group.name}
                  </label>
                ))}
              </div>
            </fieldset>
            <fieldset className="option-group">
              <legend>{t('imports.subscribe')}</legend>
              {catalogue.categories.length === 0 ? <p className="field__hint">{t('imports.noCategories')}</p> : null}
              <div className="choices">
                {catalogue.categories.map((category) => (
                  <label key={category.id} className="choice">
                    <input type="checkbox" checked={subscribe.includes(category.id)} onChange={() => setSubscribe((list) => toggle(list, category.id))} />
                    {category.name}
                  </label>
                ))}
              </div>
            </fieldset>
          </div>
        ) : null}

        {error ? (
          <p className="notice notice--error" role="alert" data-testid="import-start-error">
            {error}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="button" className="button button--primary" onClick={start} disabled={busy || keysInUse.length === 0} data-testid="import-start">
            {busy ? t('imports.starting') : mode === 'compare' ? t('imports.startCompare') : t('imports.start')}
          </button>
        </div>
      </section>
    </>
  );
}

const callingCodes: Record<(typeof regions)[number], string> = {
  TW: '886',
  HK: '852',
  MO: '853',
  CN: '86',
  SG: '65',
  MY: '60',
  JP: '81',
  KR: '82',
  US: '1',
  GB: '44',
};

function reasonParts(reason: string | { field?: string; code?: string; message?: string }) {
  return typeof reason === 'string' ? { message: reason } : reason;
}

/** The sample rows, each with what cleaning changed (before → after, which rule) or why it was refused. */
function SampleTable({ preview, mapping, catalogue }: { preview: ImportPreview; mapping: Readonly<Record<string, string | null>>; catalogue: Catalogue }) {
  const { t } = useI18n();
  const fieldLabel = useFieldLabel(catalogue.fields);
  const labels = useRuleLabel();
  // Columns: the mapped fields in file order, then any field a sample row has besides.
  const columns = [
    ...new Set([
      ...preview.header.map((header) => mapping[header]).filter((field): field is string => Boolean(field)),
      ...preview.sample.flatMap((row) => Object.keys(row.fields)),
    ]),
  ];
  if (preview.sample.length === 0) return <p className="muted">{t('imports.sampleEmpty')}</p>;
  return (
    <div className="table-wrap">
      <table className="table table--compact sample" data-testid="import-sample">
        <thead>
          <tr>
            <th scope="col">{t('imports.row')}</th>
            <th scope="col">{t('imports.outcome')}</th>
            {columns.map((field) => (
              <th key={field} scope="col">
                {fieldLabel(field)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.sample.map((row) => (
            <SampleRowView key={row.rowNumber} row={row} columns={columns} labels={labels} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SampleRowView({
  row,
  columns,
  labels,
}: {
  row: SampleRow;
  columns: readonly string[];
  labels: ReturnType<typeof useRuleLabel>;
}) {
  const { t } = useI18n();
  const changes = row.changes ?? [];
  const reasons = (row.reasons ?? []).map(reasonParts);
  // Reasons about no shown column (row.no-channel …) go under the outcome.
  const rowReasons = reasons.filter((reason) => !reason.field || !columns.includes(reason.field));
  const reasonList = (list: typeof reasons) =>
    list.length > 0 ? (
      <ul className="reasons" data-testid="sample-reasons">
        {list.map((reason, index) => (
          <li key={index} title={reason.message} data-code={reason.code}>
            {labels.reason(reason.code, reason.message)}
          </li>
        ))}
      </ul>
    ) : null;
  return (
    <tr className={`sample__row sample__row--${row.outcome}`} data-testid="sample-row" data-outcome={row.outcome} data-row={row.rowNumber}>
      <td className="nowrap muted">{row.rowNumber}</td>
      <td>
        <span className={`status status--outcome-${row.outcome}`}>{t(`imports.outcome.${row.outcome}`)}</span>
        {reasonList(rowReasons)}
      </td>
      {columns.map((field) => {
        // The sample holds the file's values; cleaning's changes say what they become.
        const fieldChanges = changes.filter((change) => change.field === field);
        const fieldReasons = reasons.filter((reason) => reason.field === field);
        const last = fieldChanges.at(-1);
        return (
          <td
            key={field}
            data-field={field}
            className={`sample__cell${fieldChanges.length > 0 ? ' sample__cell--corrected' : ''}${fieldReasons.length > 0 ? ' sample__cell--bad' : ''}`}
          >
            {last ? (
              <>
                <div className="sample__value">{last.to || <span className="muted">{t('imports.dropped')}</span>}</div>
                <div className="sample__was" title={t('imports.original')}>
                  <del>{fieldChanges[0]?.from ?? row.fields[field]}</del>
                </div>
                <ul className="changes">
                  {fieldChanges.map((change, index) => (
                    <li key={index} data-rule={change.rule} title={`${change.from} → ${change.to}`}>
                      <span className="changes__rule">{labels.rule(change.rule)}</span>
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <div className="sample__value">{row.fields[field] ?? ''}</div>
            )}
            {reasonList(fieldReasons)}
          </td>
        );
      })}
    </tr>
  );
}

function countItems(t: ReturnType<typeof useI18n>['t'], mode: ImportMode | undefined, progress: ImportProgress) {
  const n = (value: number | undefined) => value ?? 0;
  const items: { key: string; label: string; value: number; tone?: 'good' | 'bad' | 'warn' }[] = [
    { key: 'rowsRead', label: t('imports.count.rowsRead'), value: n(progress.rowsRead) },
  ];
  if (mode === 'compare') {
    items.push(
      { key: 'new', label: t('imports.count.new'), value: n(progress.new), tone: 'good' },
      { key: 'present', label: t('imports.count.present'), value: n(progress.present) },
      { key: 'different', label: t('imports.count.different'), value: n(progress.different), tone: 'warn' },
    );
  } else {
    items.push(
      { key: 'created', label: t('imports.count.created'), value: n(progress.created), tone: 'good' },
      { key: 'updated', label: t('imports.count.updated'), value: n(progress.updated), tone: 'good' },
      { key: 'skipped', label: t('imports.count.skipped'), value: n(progress.skipped) },
    );
  }
  items.push(
    { key: 'rejected', label: t('imports.count.rejected'), value: n(progress.rejected), tone: 'bad' },
    { key: 'filtered', label: t('imports.count.filtered'), value: n(progress.filtered) },
    { key: 'duplicatesInFile', label: t('imports.count.duplicatesInFile'), value: n(progress.duplicatesInFile), tone: 'warn' },
    { key: 'corrected', label: t('imports.count.corrected'), value: n(progress.corrected) },
  );
  return items;
}

/** Live counts while it runs; the result and the report once it is done. */
function ImportRun({ job, jobs }: { job: ImportJob; jobs: JobsApi }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const done = job.status === 'completed';
  const liveRegion = useRef<HTMLDivElement>(null);

  async function downloadReport() {
    setBusy(true);
    setError(undefined);
    try {
      const { url } = await jobs.importReport(job.id);
      const base = job.fileName.replace(/\.[^.]+$/, '');
      await saveFromUrl(url, `${base}-${t('imports.reportSuffix')}.csv`);
    } catch (failure) {
      setError(errorText(t, failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card card--padded" aria-labelledby="run-title" data-testid={done ? 'import-result' : 'import-progress'}>
      <h2 id="run-title">{done ? (job.mode === 'compare' ? t('imports.compareDone') : t('imports.done')) : t('imports.running')}</h2>
      {!done ? <ProgressBar label={t('imports.running')} /> : null}
      <div ref={liveRegion} aria-live="polite">
        <Counts items={countItems(t, job.mode, job.progress ?? {})} />
      </div>
      {done ? (
        <>
          {job.mode === 'compare' ? <p className="muted">{t('imports.compareNothingWritten')}</p> : null}
          {error ? (
            <p className="notice notice--error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="form-actions form-actions--start">
            {job.reportAvailable ? (
              <button type="button" className="button button--primary" onClick={downloadReport} disabled={busy} data-testid="import-report">
                ⤓ {busy ? t('imports.reportPreparing') : t('imports.report')}
              </button>
            ) : (
              <span className="muted">{t('imports.noReport')}</span>
            )}
            <a className="button" href={hrefOf('contacts')} data-testid="import-to-contacts">
              {t('imports.toContacts')}
            </a>
            <a className="button" href={hrefOf('imports')}>
              {t('imports.another')}
            </a>
          </div>
          <p className="field__hint">{t('imports.reportHint')}</p>
        </>
      ) : null}
    </section>
  );
}
