/**
 * 互動積分設定 (engagement score, `#/settings/engagement`): the points each kind of human activity
 * adds to a contact's loyalty score (negative for unsubscribes, bounces, complaints) and the
 * half-life after which an activity counts half. Admins change it; everyone else reads it.
 * Values are checked here first (whole numbers in range), then by the API, whose field messages
 * (`weights.open`, `halfLifeDays`) sit under the same inputs.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { type ApiClient, type SignedInUser } from '../api';
import { usePeople, usePersonName } from '../components/campaign-ui';
import { FormField } from '../components/FormField';
import {
  decayedPoints,
  defaultEngagementSettings,
  engagementApi,
  halfLifeRange,
  scoredEventTypes,
  settingsFormOf,
  settingsInputOf,
  settingsProblems,
  weightRange,
  type EngagementSettings,
  type SettingsForm,
  type SettingsProblem,
} from '../engagement-api';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText, useDateFormat } from '../format';
import { useI18n, type I18n } from '../i18n/I18nProvider';
import '../catalog.css';
import '../campaigns.css';
import '../engagement.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; settings: EngagementSettings };

const known = (field: string) => field === 'halfLifeDays' || field === 'weights' || field.startsWith('weights.');

function problemText(t: I18n['t'], field: string, problem: SettingsProblem): string {
  if (problem === 'integer') return t('engagementSettings.integer');
  return field === 'halfLifeDays' ? t('engagementSettings.halfLifeRange') : t('engagementSettings.weightRange');
}

export function EngagementSettingsPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const { t, locale } = useI18n();
  const id = useId();
  const { dateTime } = useDateFormat();
  const engagement = useMemo(() => engagementApi(api), [api]);
  const people = usePeople(api, user.role);
  const nameOf = usePersonName(people, user);
  const canWrite = user.role === 'admin';
  const [state, setState] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [form, setForm] = useState<SettingsForm>(() => settingsFormOf(defaultEngagementSettings));
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    engagement.getSettings().then(
      (settings) => {
        if (!live) return;
        setState({ kind: 'ready', settings });
        setForm(settingsFormOf(settings));
      },
      (error: unknown) => live && setState({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [engagement, reload]);

  const edit = (change: (form: SettingsForm) => SettingsForm, field: string) => {
    setForm(change);
    setSaved(false);
    setProblem((current) => ({ ...current, fields: Object.fromEntries(Object.entries(current.fields).filter(([key]) => key !== field)) }));
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!canWrite) return;
    setSaved(false);
    const local = settingsProblems(form);
    const fields = Object.fromEntries(Object.entries(local).map(([field, kind]) => [field, problemText(t, field, kind as SettingsProblem)]));
    if (Object.keys(fields).length > 0) {
      setProblem({ message: t('common.fixErrors'), fields });
      return;
    }
    setBusy(true);
    setProblem({ fields: {} });
    try {
      const settings = await engagement.putSettings(settingsInputOf(form));
      setState({ kind: 'ready', settings });
      setForm(settingsFormOf(settings));
      setSaved(true);
    } catch (error) {
      setProblem(problemOf(t, error, known));
    } finally {
      setBusy(false);
    }
  }

  // The worked example: a click's points after one half-life and a bit, as the form now stands.
  const example = (() => {
    const input = settingsProblems(form);
    if (input['weights.click'] || input.halfLifeDays) return undefined;
    const { weights, halfLifeDays } = settingsInputOf(form);
    const days = 30;
    const points = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(decayedPoints(weights.click, days, halfLifeDays));
    return t('engagementSettings.example', { weight: weights.click, days, points });
  })();

  return (
    <section className="page" aria-labelledby="engagement-settings-title">
      <header className="page__header">
        <div>
          <h1 id="engagement-settings-title" data-testid="page-title">
            {t('engagementSettings.title')}
          </h1>
          <p className="muted">{t('engagementSettings.subtitle')}</p>
        </div>
      </header>
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('engagementSettings.readOnly')}
        </p>
      ) : null}
      {state.kind === 'loading' ? (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : state.kind === 'error' ? (
        <div className="state state--error" role="alert" data-testid="engagement-settings-load-error">
          <p>
            <strong>{t('engagementSettings.loadFailed')}</strong> {state.message}
          </p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      ) : (
        <form className="card card--padded engagement-settings" onSubmit={(e) => void save(e)} noValidate data-testid="engagement-settings-form">
          {problem.message ? (
            <p className="notice notice--error" role="alert" data-testid="engagement-settings-error">
              {problem.message}
            </p>
          ) : null}
          {saved ? (
            <p className="notice notice--success" role="status" data-testid="engagement-settings-saved">
              {t('engagementSettings.saved')}
            </p>
          ) : null}
          <fieldset className={`option-group${problem.fields.weights ? ' field--invalid' : ''}`}>
            <legend>{t('engagementSettings.weights')}</legend>
            <p className="field__hint">{t('engagementSettings.weightsHint')}</p>
            <div className="form-grid engagement-weights">
              {scoredEventTypes.map((type) => (
                <FormField
                  key={type}
                  id={`${id}-weight-${type}`}
                  label={t(`weight.${type}`)}
                  hint={t(`weightHint.${type}`)}
                  error={messageFor(problem.fields, `weights.${type}`)}
                  testId={`weight-${type}`}
                >
                  <input
                    type="number"
                    inputMode="numeric"
                    min={weightRange.min}
                    max={weightRange.max}
                    step={1}
                    value={form.weights[type]}
                    disabled={!canWrite}
                    onChange={(e) => {
                      const value = e.target.value;
                      edit((current) => ({ ...current, weights: { ...current.weights, [type]: value } }), `weights.${type}`);
                    }}
                    data-testid={`weight-${type}`}
                    data-negative={Number(form.weights[type]) < 0 ? 'true' : undefined}
                  />
                </FormField>
              ))}
            </div>
            {problem.fields.weights ? (
              <p className="field__error" data-testid="weights-error">
                {problem.fields.weights}
              </p>
            ) : null}
          </fieldset>
          <div className="form-grid">
            <FormField
              id={`${id}-half-life`}
              label={t('engagementSettings.halfLife')}
              hint={t('engagementSettings.halfLifeHint')}
              error={messageFor(problem.fields, 'halfLifeDays')}
              testId="half-life"
            >
              <input
                type="number"
                inputMode="numeric"
                min={halfLifeRange.min}
                max={halfLifeRange.max}
                step={1}
                value={form.halfLifeDays}
                disabled={!canWrite}
                onChange={(e) => {
                  const value = e.target.value;
                  edit((current) => ({ ...current, halfLifeDays: value }), 'halfLifeDays');
                }}
                data-testid="half-life"
              />
            </FormField>
          </div>
          {example ? (
            <p className="muted" data-testid="engagement-settings-example">
              {example}
            </p>
          ) : null}
          {state.settings.updatedAt ? (
            <p className="muted">
              {t('approvalSettings.updated', { date: dateTime(state.settings.updatedAt), who: state.settings.updatedBy ? nameOf(state.settings.updatedBy) : t('common.none') })}
            </p>
          ) : null}
          {canWrite ? (
            <div className="form-actions">
              <button
                type="button"
                className="button"
                onClick={() => {
                  setForm(settingsFormOf(defaultEngagementSettings));
                  setProblem({ fields: {} });
                  setSaved(false);
                }}
                data-testid="engagement-settings-defaults"
              >
                {t('engagementSettings.defaults')}
              </button>
              <button type="submit" className="button button--primary" disabled={busy} data-testid="engagement-settings-save">
                {busy ? t('common.saving') : t('common.save')}
              </button>
            </div>
          ) : null}
        </form>
      )}
    </section>
  );
}
