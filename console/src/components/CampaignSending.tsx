/**
 * Sending a campaign: 測試發送 (a test to at most 10 typed addresses), and 發送 / 排程 (send now,
 * once at a date and time, or recurring by a cron expression), with pause, resume, cancel and
 * resend to who of the last run. The API decides what each status allows; the buttons follow it.
 */
import { useId, useState, type FormEvent } from 'react';
import { type Role } from '../api';
import {
  atExpression,
  cronExpression,
  cronPresets,
  linesOf,
  maxTestRecipients,
  previousRecipients,
  timezones,
  type ApprovalSettings,
  type Campaign,
  type CampaignRun,
  type CampaignSchedule,
  type CampaignsApi,
  type LaunchResult,
  type PreviousRecipients,
} from '../campaigns-api';
import { messageFor, problemOf, type FormProblem } from '../form-errors';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { Modal } from './Modal';

export function TestSendPanel({ campaigns, campaign, canWrite, unsaved, onSent }: { campaigns: CampaignsApi; campaign: Campaign; canWrite: boolean; unsaved: boolean; onSent: (run: CampaignRun) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [sent, setSent] = useState<{ count: number; runId: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const lines = linesOf(text);
  const tooMany = lines.length > maxTestRecipients;

  async function send(event: FormEvent) {
    event.preventDefault();
    setSent(undefined);
    if (lines.length === 0) {
      setError(t('testSend.none'));
      return;
    }
    if (tooMany) {
      // The API refuses it too (400); saying so at once spares the round trip.
      setError(t('testSend.tooMany', { max: maxTestRecipients, count: lines.length }));
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const { run } = await campaigns.testSend(campaign.id, lines);
      setSent({ count: lines.length, runId: run.id });
      onSent(run);
    } catch (failure) {
      // The API's detail with each field's message after it (there is one input).
      setError(problemOf(t, failure, () => false).message ?? errorText(t, failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card card--padded" onSubmit={(e) => void send(e)} noValidate data-testid="test-send-form">
      <h2>{t('testSend.title')}</h2>
      <p className="muted form-hint">{t('testSend.hint', { max: maxTestRecipients })}</p>
      {unsaved ? <p className="notice notice--warning">{t('preview.unsaved')}</p> : null}
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <label htmlFor={`${id}-lines`}>{t('testSend.recipients')}</label>
        <textarea
          id={`${id}-lines`}
          rows={6}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setError(undefined);
          }}
          disabled={!canWrite}
          placeholder={'me@example.com\ncolleague@example.com,王小明'}
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-count`}
          data-testid="test-send-lines"
        />
        <p id={`${id}-count`} className={tooMany ? 'field__error' : 'field__hint'} data-testid="test-send-count">
          {t('testSend.count', { count: lines.length, max: maxTestRecipients })}
        </p>
      </div>
      {error ? (
        <p className="notice notice--error" role="alert" data-testid="test-send-error">
          {error}
        </p>
      ) : null}
      {sent ? (
        <p className="notice notice--success" role="status" data-testid="test-send-done">
          {t('testSend.sent', { count: sent.count })}
        </p>
      ) : null}
      {canWrite ? (
        <div className="form-actions form-actions--start">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="test-send-submit">
            {busy ? t('testSend.sending') : t('testSend.submit')}
          </button>
        </div>
      ) : null}
    </form>
  );
}

type When = 'now' | 'once' | 'recurring';

/** The browser's time zone first when the list lacks it. */
function zoneChoices(): string[] {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return own && !(timezones as readonly string[]).includes(own) ? [own, ...timezones] : [...timezones];
}

export function LaunchPanel({
  campaigns,
  campaign,
  role,
  settings,
  onChanged,
  onShowApproval,
  onShowRuns,
}: {
  campaigns: CampaignsApi;
  campaign: Campaign;
  role: Role;
  settings?: ApprovalSettings;
  onChanged: (result: LaunchResult) => void;
  onShowApproval: () => void;
  onShowRuns: () => void;
}) {
  const { t } = useI18n();
  const canWrite = role !== 'viewer';
  const status = campaign.status;
  const needsApproval = settings?.rolesRequiringApproval.includes(role) ?? false;
  const launchable = status === 'approved' || (status === 'draft' && !needsApproval);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();
  const [confirming, setConfirming] = useState<'cancel' | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  async function act(name: string, call: () => Promise<LaunchResult>, done: string) {
    setBusy(name);
    setNotice(undefined);
    try {
      const result = await call();
      onChanged(result);
      setNotice({ kind: 'success', text: done });
    } catch (error) {
      setNotice({ kind: 'error', text: errorText(t, error) });
    } finally {
      setBusy(undefined);
      setConfirming(undefined);
    }
  }

  return (
    <div data-testid="launch-panel">
      {notice ? (
        <div className={`notice notice--${notice.kind} toast`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid={notice.kind === 'error' ? 'launch-error' : 'launch-done'}>
          <span>{notice.text}</span>
          {notice.kind === 'success' ? (
            <button type="button" className="button button--small" onClick={onShowRuns}>
              {t('launch.followRuns')}
            </button>
          ) : null}
        </div>
      ) : null}

      {campaign.schedule && (status === 'scheduled' || status === 'sending' || status === 'paused') ? (
        <p className="notice notice--info" data-testid="launch-schedule">
          {t('launch.scheduleIs', { expression: campaign.schedule.expression, timezone: campaign.schedule.timezone })}
        </p>
      ) : null}

      {status === 'draft' && needsApproval ? (
        <div className="notice notice--info" data-testid="launch-needs-approval">
          {t('launch.needsApproval', { role: t(`role.${role}`) })}{' '}
          <button type="button" className="button button--small" onClick={onShowApproval}>
            {t('launch.toApproval')}
          </button>
        </div>
      ) : null}
      {status === 'awaiting_approval' ? <p className="notice notice--info">{t('launch.awaiting')}</p> : null}

      {launchable && canWrite ? (
        <LaunchForm campaigns={campaigns} campaign={campaign} busy={busy !== undefined} onLaunched={(result, text) => {
          onChanged(result);
          setNotice({ kind: 'success', text });
        }} />
      ) : null}

      {canWrite && (status === 'scheduled' || status === 'sending' || status === 'paused') ? (
        <section className="card card--padded" aria-labelledby="launch-control-title">
          <h2 id="launch-control-title">{t('launch.control')}</h2>
          <p className="muted form-hint">{t(`launch.controlHint.${status}`)}</p>
          <div className="form-actions form-actions--start">
            {status === 'sending' ? (
              <button type="button" className="button" disabled={busy !== undefined} onClick={() => void act('pause', () => campaigns.pause(campaign.id), t('launch.paused'))} data-testid="campaign-pause">
                {busy === 'pause' ? t('launch.working') : t('launch.pause')}
              </button>
            ) : null}
            {status === 'paused' ? (
              <button type="button" className="button button--primary" disabled={busy !== undefined} onClick={() => void act('resume', () => campaigns.resume(campaign.id), t('launch.resumed'))} data-testid="campaign-resume">
                {busy === 'resume' ? t('launch.working') : t('launch.resume')}
              </button>
            ) : null}
            <button type="button" className="button button--danger-ghost" disabled={busy !== undefined} onClick={() => setConfirming('cancel')} data-testid="campaign-cancel">
              {t('launch.cancel')}
            </button>
          </div>
        </section>
      ) : null}

      {canWrite && (status === 'completed' || status === 'cancelled') && campaign.lastRunId ? (
        <ResendForm busy={busy !== undefined} onResend={(who) => void act('resend', () => campaigns.resend(campaign.id, who), t('launch.resent', { who: t(`who.${who}`) }))} />
      ) : null}

      {!canWrite ? <p className="notice notice--info">{t('launch.readOnly')}</p> : null}
      {(status === 'completed' || status === 'cancelled') && !campaign.lastRunId ? <p className="muted">{t('launch.nothingToResend')}</p> : null}

      {confirming === 'cancel' ? (
        <Modal
          title={t('launch.cancelTitle')}
          size="small"
          testId="cancel-dialog"
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(undefined)} autoFocus>
                {t('launch.keepGoing')}
              </button>
              <button type="button" className="button button--danger" disabled={busy !== undefined} onClick={() => void act('cancel', () => campaigns.cancel(campaign.id), t('launch.cancelled'))} data-testid="cancel-confirm">
                {busy === 'cancel' ? t('launch.working') : t('launch.cancelConfirm')}
              </button>
            </>
          }
        >
          <p>{t('launch.cancelText', { name: campaign.name })}</p>
        </Modal>
      ) : null}
    </div>
  );
}

function LaunchForm({ campaigns, campaign, busy, onLaunched }: { campaigns: CampaignsApi; campaign: Campaign; busy: boolean; onLaunched: (result: LaunchResult, text: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const zones = zoneChoices();
  const [when, setWhen] = useState<When>('now');
  const [at, setAt] = useState('');
  const [cron, setCron] = useState<string>(cronPresets[0].expression);
  const [timezone, setTimezone] = useState<string>(campaign.schedule?.timezone ?? 'Asia/Taipei');
  const [problem, setProblem] = useState<FormProblem>({ fields: {} });
  const [confirming, setConfirming] = useState<CampaignSchedule | 'now' | undefined>();
  const [working, setWorking] = useState(false);
  const atError = messageFor(problem.fields, 'schedule.expression') ?? messageFor(problem.fields, 'schedule');

  function check(event: FormEvent) {
    event.preventDefault();
    setProblem({ fields: {} });
    if (when === 'now') {
      setConfirming('now');
      return;
    }
    const expression = when === 'once' ? atExpression(at) : cronExpression(cron);
    if (!expression) {
      setProblem({ fields: { 'schedule.expression': when === 'once' ? t('launch.atMissing') : t('launch.cronInvalid') } });
      return;
    }
    setConfirming({ expression, timezone });
  }

  async function launch() {
    const schedule = confirming === 'now' ? undefined : confirming;
    setWorking(true);
    try {
      const result = await campaigns.launch(campaign.id, schedule);
      setConfirming(undefined);
      onLaunched(result, schedule ? t('launch.scheduled', { expression: schedule.expression, timezone: schedule.timezone }) : t('launch.sendingNow'));
    } catch (error) {
      setConfirming(undefined);
      setProblem(problemOf(t, error));
    } finally {
      setWorking(false);
    }
  }

  return (
    <form className="card card--padded" onSubmit={check} noValidate data-testid="launch-form">
      <h2>{t('launch.title')}</h2>
      {problem.message ? (
        <p className="notice notice--error" role="alert" data-testid="launch-form-error">
          {problem.message}
        </p>
      ) : null}
      <fieldset className="option-group">
        <legend>{t('launch.when')}</legend>
        <label className="choice choice--block">
          <input type="radio" name={`${id}-when`} checked={when === 'now'} onChange={() => setWhen('now')} data-testid="launch-now" />
          {t('launch.now')}
        </label>
        <label className="choice choice--block">
          <input type="radio" name={`${id}-when`} checked={when === 'once'} onChange={() => setWhen('once')} data-testid="launch-once" />
          {t('launch.once')}
        </label>
        <label className="choice choice--block">
          <input type="radio" name={`${id}-when`} checked={when === 'recurring'} onChange={() => setWhen('recurring')} data-testid="launch-recurring" />
          {t('launch.recurring')}
        </label>
      </fieldset>
      {when !== 'now' ? (
        <div className="form-grid">
          {when === 'once' ? (
            <div className={`field${atError ? ' field--invalid' : ''}`}>
              <label htmlFor={`${id}-at`}>{t('launch.at')}</label>
              <input id={`${id}-at`} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} data-testid="launch-at" aria-invalid={atError ? true : undefined} />
              <p className="field__hint">{atExpression(at) ? <span className="mono">{atExpression(at)}</span> : t('launch.atHint')}</p>
              {atError ? <p className="field__error" data-testid="launch-schedule-error">{atError}</p> : null}
            </div>
          ) : (
            <div className={`field${atError ? ' field--invalid' : ''}`}>
              <label htmlFor={`${id}-cron`}>{t('launch.cron')}</label>
              <input id={`${id}-cron`} className="mono" value={cron} onChange={(e) => setCron(e.target.value)} spellCheck={false} data-testid="launch-cron" aria-invalid={atError ? true : undefined} />
              <div className="cron-presets">
                {cronPresets.map((preset) => (
                  <button key={preset.id} type="button" className="button button--small" onClick={() => setCron(preset.expression)} data-testid={`cron-${preset.id}`}>
                    {t(`launch.preset.${preset.id}`)}
                  </button>
                ))}
              </div>
              <p className="field__hint">{t('launch.cronHint')}</p>
              {atError ? <p className="field__error" data-testid="launch-schedule-error">{atError}</p> : null}
            </div>
          )}
          <div className="field">
            <label htmlFor={`${id}-zone`}>{t('launch.timezone')}</label>
            <select id={`${id}-zone`} value={timezone} onChange={(e) => setTimezone(e.target.value)} data-testid="launch-timezone">
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : (
        <p className="muted form-hint">{t('launch.nowHint')}</p>
      )}
      <div className="form-actions form-actions--start">
        <button type="submit" className="button button--primary" disabled={busy || working} data-testid="launch-submit">
          {when === 'now' ? t('launch.sendNow') : t('launch.schedule')}
        </button>
      </div>
      {confirming ? (
        <Modal
          title={confirming === 'now' ? t('launch.confirmNowTitle') : t('launch.confirmScheduleTitle')}
          size="small"
          testId="launch-dialog"
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(undefined)} autoFocus>
                {t('common.cancel')}
              </button>
              <button type="button" className="button button--primary" disabled={working} onClick={() => void launch()} data-testid="launch-confirm">
                {working ? t('launch.working') : confirming === 'now' ? t('launch.sendNow') : t('launch.schedule')}
              </button>
            </>
          }
        >
          <p>
            {confirming === 'now'
              ? t('launch.confirmNow', { name: campaign.name })
              : t('launch.confirmSchedule', { name: campaign.name, expression: confirming.expression, timezone: confirming.timezone })}
          </p>
        </Modal>
      ) : null}
    </form>
  );
}

function ResendForm({ busy, onResend }: { busy: boolean; onResend: (who: PreviousRecipients) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [who, setWho] = useState<PreviousRecipients>('nonOpeners');
  return (
    <section className="card card--padded" aria-labelledby={`${id}-title`} data-testid="resend-form">
      <h2 id={`${id}-title`}>{t('launch.resendTitle')}</h2>
      <p className="muted form-hint">{t('launch.resendHint')}</p>
      <div className="inline-form__row resend-row">
        <label htmlFor={`${id}-who`} className="visually-hidden">
          {t('audience.who')}
        </label>
        <select id={`${id}-who`} className="select" value={who} onChange={(e) => setWho(e.target.value as PreviousRecipients)} data-testid="resend-who">
          {previousRecipients.map((value) => (
            <option key={value} value={value}>
              {t(`who.${value}`)}
            </option>
          ))}
        </select>
        <button type="button" className="button button--primary" disabled={busy} onClick={() => onResend(who)} data-testid="resend-submit">
          {t('launch.resend')}
        </button>
      </div>
    </section>
  );
}
