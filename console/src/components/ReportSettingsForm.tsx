/**
 * 報表設定: which reports the campaign produces (by category), and 自動報表派遣 — e-mailing the
 * chosen reports daily or weekly at an hour of a time zone, as PDF or XLSX, in a language, to a
 * list of addresses — plus 立即寄送. Operators and above edit; viewers read. The API's field
 * problems (`dispatch.recipients.1`, `types` …) are shown under their inputs.
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import { categoryTitle, reportTitle } from '../../../shared/reports/labels';
import { formatValue } from '../../../shared/reports/render/format';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  catalogueByCategory,
  dispatchFrequencies,
  settingsFormOf,
  settingsInputOf,
  type DispatchFrequency,
  type ReportLanguage,
  type ReportSettings,
  type ReportType,
  type ReportsApi,
  type SettingsForm,
} from '../reports-api';
import { FieldSet, FormField } from './FormField';

const formFields = ['types', 'dispatch.frequency', 'dispatch.weekday', 'dispatch.hour', 'dispatch.timeZone', 'dispatch.format', 'dispatch.language', 'dispatch.recipients'];
const known = (field: string) => formFields.some((name) => field === name || field.startsWith(`${name}.`));
const hours = Array.from({ length: 24 }, (_, hour) => hour);
const weekdays = Array.from({ length: 7 }, (_, day) => day);

/** Zones for the time-zone input's suggestions (any IANA name may still be typed). */
function knownZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['Asia/Taipei', 'Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Tokyo', 'Asia/Singapore', 'UTC'];
  }
}

export function ReportSettingsForm({
  reports,
  campaignId,
  settings,
  canEdit,
  onSaved,
}: {
  reports: ReportsApi;
  campaignId: string;
  settings: ReportSettings;
  canEdit: boolean;
  onSaved: (settings: ReportSettings) => void;
}) {
  const { t, language, locale } = useI18n();
  const id = useId();
  const [form, setForm] = useState<SettingsForm>(() => settingsFormOf(settings));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<number | undefined>();
  const [sendError, setSendError] = useState<string | undefined>();
  const zones = useMemo(knownZones, []);
  const weekdayName = useMemo(() => {
    const format = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
    // 2023-01-01 was a Sunday: day 0 as the API counts.
    return (day: number) => format.format(new Date(Date.UTC(2023, 0, 1 + day)));
  }, [locale]);
  const dirty = JSON.stringify(form) !== JSON.stringify(settingsFormOf(settings));
  const readOnly = !canEdit;

  const edit = (change: Partial<SettingsForm>, field?: string) => {
    setForm((current) => ({ ...current, ...change }));
    setSaved(false);
    setSent(undefined);
    if (field) setProblem((current) => ({ ...current, fields: Object.fromEntries(Object.entries(current.fields).filter(([key]) => key !== field && !key.startsWith(`${field}.`))) }));
  };

  const toggle = (types: readonly ReportType[], on: boolean) =>
    edit({ types: on ? [...new Set([...form.types, ...types])] : form.types.filter((type) => !types.includes(type)) }, 'types');

  async function save(event: FormEvent) {
    event.preventDefault();
    if (readOnly) return;
    setSaved(false);
    const checked = settingsInputOf(form);
    if ('problems' in checked) {
      const fields: Record<string, string> = {};
      const invalid = checked.problems['dispatch.recipients'];
      if (invalid) fields['dispatch.recipients'] = t('reportSettings.recipientsInvalid', { list: invalid.join(', ') });
      if (checked.problems['dispatch.timeZone']) fields['dispatch.timeZone'] = t('reportSettings.timeZoneInvalid');
      setProblem({ message: t('common.fixErrors'), fields });
      return;
    }
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const next = await reports.putReportSettings(campaignId, checked.input);
      setForm(settingsFormOf(next));
      onSaved(next);
      setSaved(true);
    } catch (error) {
      setProblem(problemOf(t, error, known));
    } finally {
      setBusy(false);
    }
  }

  async function sendNow() {
    setSending(true);
    setSent(undefined);
    setSendError(undefined);
    try {
      const answer = await reports.dispatchReports(campaignId);
      setSent(answer?.recipients?.length ?? settings.dispatch.recipients.length);
    } catch (error) {
      setSendError(errorText(t, error));
    } finally {
      setSending(false);
    }
  }

  const error = (field: string) => messageFor(problem.fields, field);
  const weekly = form.frequency === 'weekly';
  const savedRecipients = settings.dispatch.recipients.length;

  return (
    <section className="card card--padded report-settings" aria-labelledby={`${id}-title`} data-testid="report-settings">
      <h2 id={`${id}-title`}>{t('reportSettings.title')}</h2>
      <p className="field__hint">{t('reportSettings.hint')}</p>
      {readOnly ? <p className="notice notice--info">{t('reportSettings.readOnly')}</p> : null}
      <form onSubmit={save} noValidate data-testid="report-settings-form">
        {problem.message ? (
          <p className="notice notice--error" role="alert" data-testid="report-settings-error">
            {problem.message}
          </p>
        ) : null}

        <FieldSet legend={t('reportSettings.types')} error={error('types')} testId="report-settings-types">
          <div className="report-settings__categories">
            {catalogueByCategory().map(({ category, types }) => {
              const chosen = types.filter((type) => form.types.includes(type)).length;
              return (
                <fieldset key={category} className="report-settings__category" disabled={readOnly}>
                  <legend>
                    {categoryTitle(language, category)}{' '}
                    <span className="muted">
                      ({chosen}/{types.length})
                    </span>
                  </legend>
                  {!readOnly ? (
                    <span className="report-settings__bulk">
                      <button type="button" className="button button--small" onClick={() => toggle(types, true)} disabled={chosen === types.length}>
                        {t('reportSettings.selectAll')}
                      </button>
                      <button type="button" className="button button--small" onClick={() => toggle(types, false)} disabled={chosen === 0}>
                        {t('reportSettings.selectNone')}
                      </button>
                    </span>
                  ) : null}
                  {types.map((type) => (
                    <label key={type} className="choice choice--block">
                      <input type="checkbox" checked={form.types.includes(type)} onChange={(event) => toggle([type], event.target.checked)} data-testid={`report-settings-type-${type}`} />
                      {reportTitle(language, type)}
                    </label>
                  ))}
                </fieldset>
              );
            })}
          </div>
        </FieldSet>

        <h3 className="report-settings__subtitle">{t('reportSettings.dispatch')}</h3>
        <fieldset className="option-group" disabled={readOnly}>
          <legend>{t('reportSettings.frequency')}</legend>
          {dispatchFrequencies.map((frequency: DispatchFrequency) => (
            <label key={frequency} className="choice">
              <input
                type="radio"
                name={`${id}-frequency`}
                checked={form.frequency === frequency}
                onChange={() => edit({ frequency }, 'dispatch.frequency')}
                data-testid={`report-settings-frequency-${frequency}`}
              />
              {t(`reportSettings.frequency.${frequency}`)}
            </label>
          ))}
          {error('dispatch.frequency') ? <p className="field__error">{error('dispatch.frequency')}</p> : null}
        </fieldset>

        <div className="form-grid form-grid--3">
          {weekly ? (
            <FormField id={`${id}-weekday`} label={t('reportSettings.weekday')} error={error('dispatch.weekday')}>
              <select value={form.weekday} onChange={(event) => edit({ weekday: Number(event.target.value) }, 'dispatch.weekday')} disabled={readOnly} data-testid="report-settings-weekday">
                {weekdays.map((day) => (
                  <option key={day} value={day}>
                    {weekdayName(day)}
                  </option>
                ))}
              </select>
            </FormField>
          ) : null}
          <FormField id={`${id}-hour`} label={t('reportSettings.hour')} error={error('dispatch.hour')}>
            <select value={form.hour} onChange={(event) => edit({ hour: Number(event.target.value) }, 'dispatch.hour')} disabled={readOnly || form.frequency === 'off'} data-testid="report-settings-hour">
              {hours.map((hour) => (
                <option key={hour} value={hour}>
                  {`${String(hour).padStart(2, '0')}:00`}
                </option>
              ))}
            </select>
          </FormField>
          <FormField id={`${id}-zone`} label={t('reportSettings.timeZone')} error={error('dispatch.timeZone')} testId="report-settings-zone">
            <input
              type="text"
              list={`${id}-zones`}
              value={form.timeZone}
              onChange={(event) => edit({ timeZone: event.target.value }, 'dispatch.timeZone')}
              readOnly={readOnly}
              autoComplete="off"
              spellCheck={false}
              data-testid="report-settings-zone"
            />
          </FormField>
        </div>
        <datalist id={`${id}-zones`}>
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>

        <div className="form-grid form-grid--3">
          <FieldSet legend={t('reportSettings.format')} error={error('dispatch.format')}>
            <span className="choices">
              {(['pdf', 'xlsx'] as const).map((format) => (
                <label key={format} className="choice">
                  <input
                    type="radio"
                    name={`${id}-format`}
                    checked={form.format === format}
                    onChange={() => edit({ format }, 'dispatch.format')}
                    disabled={readOnly}
                    data-testid={`report-settings-format-${format}`}
                  />
                  {format === 'pdf' ? 'PDF' : 'Excel (XLSX)'}
                </label>
              ))}
            </span>
          </FieldSet>
          <FormField id={`${id}-language`} label={t('reportSettings.language')} error={error('dispatch.language')}>
            <select value={form.language} onChange={(event) => edit({ language: event.target.value as ReportLanguage }, 'dispatch.language')} disabled={readOnly} data-testid="report-settings-language">
              <option value="zh-TW">{t('lang.zh-TW')}</option>
              <option value="en">{t('lang.en')}</option>
            </select>
          </FormField>
        </div>

        <FormField id={`${id}-recipients`} label={t('reportSettings.recipients')} hint={t('reportSettings.recipientsHint')} error={error('dispatch.recipients')} testId="report-settings-recipients">
          <textarea
            rows={3}
            value={form.recipients}
            onChange={(event) => edit({ recipients: event.target.value }, 'dispatch.recipients')}
            readOnly={readOnly}
            spellCheck={false}
            placeholder="marketing@example.com, boss@example.com"
            data-testid="report-settings-recipients"
          />
        </FormField>

        {saved ? (
          <p className="notice notice--success" role="status" data-testid="report-settings-saved">
            {t('reportSettings.saved')}
          </p>
        ) : null}
        <p className="muted report-settings__facts">
          {settings.updatedAt ? t('reportSettings.lastChanged', { date: formatValue(settings.updatedAt, 'time', language, { timeZone: settings.dispatch.timeZone }) }) : null}{' '}
          {settings.dispatch.lastSentFor ? t('reportSettings.lastSent', { date: formatValue(settings.dispatch.lastSentFor, 'time', language, { timeZone: settings.dispatch.timeZone }) }) : null}
        </p>
        {canEdit ? (
          <div className="form-actions form-actions--start report-settings__actions">
            <button type="submit" className="button button--primary" disabled={busy || !dirty} data-testid="report-settings-save">
              {busy ? t('common.saving') : t('common.save')}
            </button>
            <button type="button" className="button" onClick={() => void sendNow()} disabled={sending || dirty || savedRecipients === 0} data-testid="report-settings-send-now">
              ✉ {sending ? t('reportSettings.sending') : t('reportSettings.sendNow')}
            </button>
            <span className="field__hint">
              {dirty ? t('reportSettings.saveFirst') : savedRecipients === 0 ? t('reportSettings.noRecipients') : t('reportSettings.sendNowHint')}
            </span>
          </div>
        ) : null}
        {sent !== undefined ? (
          <p className="notice notice--success" role="status" data-testid="report-settings-sent">
            {t('reportSettings.sent', { count: sent })}
          </p>
        ) : null}
        {sendError ? (
          <p className="notice notice--error" role="alert" data-testid="report-settings-send-error">
            {sendError}
          </p>
        ) : null}
      </form>
    </section>
  );
}
