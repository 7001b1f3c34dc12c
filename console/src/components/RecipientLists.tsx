/**
 * 下載名單: the recipient-level lists behind the reports (openers, clickers, bounces …) as XLSX
 * or CSV files of at most N rows each. A list is a background job: the section follows each one
 * created in this visit until it is ready, then offers its files.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { listTitle } from '../../../shared/reports/labels';
import { maxTableRows } from '../../../shared/reports/model';
import { saveFromUrl } from '../download';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  listInputOf,
  listJobDone,
  linkNumberRange,
  listPollMs,
  recipientLists,
  rowsPerFileRange,
  type ListFormat,
  type RecipientList,
  type RecipientListJobView,
  type ReportsApi,
} from '../reports-api';
import { FormField } from './FormField';

interface ListForm {
  list: RecipientList;
  format: ListFormat;
  rowsPerFile: string;
  linkNumber: string;
}

const formFields = ['list', 'format', 'maxRowsPerFile', 'linkIndex'];
const known = (field: string) => formFields.some((name) => field === name || field.startsWith(`${name}.`));

export function RecipientLists({ reports, campaignId }: { reports: ReportsApi; campaignId: string }) {
  const { t, language, locale } = useI18n();
  const id = useId();
  const number = new Intl.NumberFormat(locale);
  const [form, setForm] = useState<ListForm>({ list: 'openers', format: 'xlsx', rowsPerFile: String(rowsPerFileRange.default), linkNumber: '' });
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [jobs, setJobs] = useState<RecipientListJobView[]>([]);

  const edit = (change: Partial<ListForm>) => {
    setForm((current) => ({ ...current, ...change }));
    setProblem({ fields: {} });
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = listInputOf(form, language);
    if ('problems' in checked) {
      const text = (kind: 'integer' | 'range', range: { min: number; max: number }) =>
        kind === 'integer' ? t('reportLists.integer') : t('reportLists.range', { min: number.format(range.min), max: number.format(range.max) });
      const fields: Record<string, string> = {};
      if (checked.problems.maxRowsPerFile) fields.maxRowsPerFile = text(checked.problems.maxRowsPerFile, rowsPerFileRange);
      if (checked.problems.linkIndex) fields.linkIndex = text(checked.problems.linkIndex, linkNumberRange);
      setProblem({ message: t('common.fixErrors'), fields });
      return;
    }
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const job = await reports.createRecipientList(campaignId, checked.input);
      setJobs((current) => [job, ...current.filter((item) => item.id !== job.id)]);
    } catch (error) {
      setProblem(problemOf(t, error, known));
    } finally {
      setBusy(false);
    }
  }

  const update = (job: RecipientListJobView) => setJobs((current) => current.map((item) => (item.id === job.id ? job : item)));

  return (
    <section className="card card--padded report-lists" aria-labelledby={`${id}-title`} data-testid="report-lists">
      <h2 id={`${id}-title`}>{t('reportLists.title')}</h2>
      <p className="field__hint">{t('reportLists.hint', { rows: number.format(maxTableRows) })}</p>
      <form onSubmit={submit} noValidate data-testid="report-list-form">
          {problem.message ? (
            <p className="notice notice--error" role="alert" data-testid="report-list-error">
              {problem.message}
            </p>
          ) : null}
          <div className="form-grid form-grid--3">
            <FormField id={`${id}-list`} label={t('reportLists.list')} error={messageFor(problem.fields, 'list')}>
              <select value={form.list} onChange={(event) => edit({ list: event.target.value as RecipientList })} data-testid="report-list-type">
                {recipientLists.map((list) => (
                  <option key={list} value={list}>
                    {listTitle(language, list)}
                  </option>
                ))}
              </select>
            </FormField>
            <FormField
              id={`${id}-rows`}
              label={t('reportLists.rowsPerFile')}
              hint={t('reportLists.rowsPerFileHint', { min: number.format(rowsPerFileRange.min), max: number.format(rowsPerFileRange.max) })}
              error={messageFor(problem.fields, 'maxRowsPerFile')}
              testId="report-list-rows"
            >
              <input
                type="number"
                inputMode="numeric"
                min={rowsPerFileRange.min}
                max={rowsPerFileRange.max}
                step={1}
                value={form.rowsPerFile}
                onChange={(event) => edit({ rowsPerFile: event.target.value })}
                data-testid="report-list-rows"
              />
            </FormField>
            {form.list === 'clickers' ? (
              <FormField id={`${id}-link`} label={t('reportLists.linkNumber')} hint={t('reportLists.linkNumberHint')} error={messageFor(problem.fields, 'linkIndex')} testId="report-list-link">
                <input type="number" inputMode="numeric" min={linkNumberRange.min} max={linkNumberRange.max} step={1} value={form.linkNumber} onChange={(event) => edit({ linkNumber: event.target.value })} data-testid="report-list-link" />
              </FormField>
            ) : null}
          </div>
          <fieldset className="option-group">
            <legend>{t('reportLists.format')}</legend>
            {(['xlsx', 'csv'] as const).map((format) => (
              <label key={format} className="choice">
                <input type="radio" name={`${id}-format`} checked={form.format === format} onChange={() => edit({ format })} data-testid={`report-list-format-${format}`} />
                {format === 'xlsx' ? 'Excel (XLSX)' : 'CSV'}
              </label>
            ))}
            {messageFor(problem.fields, 'format') ? <p className="field__error">{messageFor(problem.fields, 'format')}</p> : null}
          </fieldset>
          <div className="form-actions form-actions--start">
            <button type="submit" className="button button--primary" disabled={busy} data-testid="report-list-submit">
              ⤓ {busy ? t('reportLists.submitting') : t('reportLists.submit')}
            </button>
          </div>
      </form>

      {jobs.length > 0 ? (
        <>
          <h3 className="report-lists__jobs-title">{t('reportLists.jobs')}</h3>
          <ul className="report-lists__jobs">
            {jobs.map((job) => (
              <ListJob key={job.id} job={job} reports={reports} campaignId={campaignId} onUpdate={update} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function ListJob({ job, reports, campaignId, onUpdate }: { job: RecipientListJobView; reports: ReportsApi; campaignId: string; onUpdate: (job: RecipientListJobView) => void }) {
  const { t, language, locale } = useI18n();
  const number = new Intl.NumberFormat(locale);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const done = listJobDone(job);

  useEffect(() => {
    if (done) return;
    let live = true;
    const timer = setTimeout(() => {
      reports
        .getRecipientList(campaignId, job.id)
        .then(
          (next) => {
            if (!live) return;
            setError(undefined);
            onUpdate(next);
          },
          (failure: unknown) => live && setError(errorText(t, failure)),
        )
        .finally(() => live && setTick((n) => n + 1));
    }, listPollMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Not keyed on t or onUpdate: a language switch or a parent render must not restart the wait.
  }, [done, tick, reports, campaignId, job.id]);

  const state = job.state;
  return (
    <li className="report-lists__job" data-testid="report-list-job" data-state={state} data-list={job.list}>
      <div className="report-lists__job-head">
        <strong>{listTitle(language, job.list)}</strong>
        <span className="muted">{job.format.toUpperCase()}</span>
        <span className={`status status--job-${state}`}>{t(`reportLists.state.${state}`)}</span>
        {job.rows !== undefined ? <span className="muted">{t('reportLists.rows', { count: number.format(job.rows) })}</span> : null}
        {!done ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
      </div>
      {state === 'failed' && job.error ? <p className="field__error">{job.error}</p> : null}
      {error ? <p className="field__error">{error}</p> : null}
      {state === 'completed' ? job.files.length === 0 ? <p className="muted">{t('reportLists.noRows')}</p> : <ListFiles files={job.files} /> : null}
    </li>
  );
}

function ListFiles({ files }: { files: RecipientListJobView['files'] }) {
  const { t, locale } = useI18n();
  const number = new Intl.NumberFormat(locale);
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <ul className="files" data-testid="report-list-files">
        {files.map((file) => (
          <li key={file.name}>
            {file.url ? (
              <a
                className="button button--small"
                href={file.url}
                onClick={(event) => {
                  event.preventDefault();
                  setError(undefined);
                  saveFromUrl(file.url ?? '', file.name).catch(() => setError(t('reportLists.downloadFailed')));
                }}
                data-testid="report-list-file"
              >
                ⤓ {file.name}
              </a>
            ) : (
              <span className="muted">{file.name}</span>
            )}
            <span className="muted"> {t('reportLists.rows', { count: number.format(file.rows) })}</span>
          </li>
        ))}
      </ul>
      {error ? <p className="field__error">{error}</p> : null}
    </>
  );
}
