/**
 * 發送紀錄 (runs): every send of a campaign — the first, tests, resends, each recurring fire —
 * with its status, live progress, the audience as frozen (total, duplicates, invalid, corrected,
 * suppressed, excluded) and points; and 歷程 (history), the audit trail of every change.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type SignedInUser } from '../api';
import { activeRunStatuses, type AuditEntry, type CampaignRun, type CampaignsApi, type CampaignStatus } from '../campaigns-api';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { CampaignStatusBadge, CampaignTypeBadge, RunCounts, RunProgressBar, RunStatusBadge, runDone, type People, usePersonName } from './campaign-ui';
import { Counts, isMessageKey } from './jobs';

export const runPollMs = 2000;

export type RunsState = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: readonly CampaignRun[] };

/**
 * A campaign's runs, read again every 2 s while one is planning or sending (or the campaign says
 * it is sending or scheduled, so a schedule's fire shows up), so progress moves on its own. `refresh` reads at once (after a launch or test).
 */
export function useLiveRuns(campaigns: CampaignsApi, campaignId: string, campaignSending: boolean, onRunsMoved: () => void): { runs: RunsState; refresh: () => void } {
  const { t } = useI18n();
  const [runs, setRuns] = useState<RunsState>({ kind: 'loading' });
  const [tick, setTick] = useState(0);
  const moved = useRef(onRunsMoved);
  moved.current = onRunsMoved;
  const previous = useRef<string>('');

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    campaigns.listRuns(campaignId).then(
      (page) => {
        if (!live) return;
        setRuns({ kind: 'ready', items: page.items });
        // A run that changed status may have changed the campaign's too (completed, back to approved).
        const statuses = page.items.map((run) => `${run.id}:${run.status}`).join(',');
        if (previous.current && previous.current !== statuses) moved.current();
        previous.current = statuses;
        const active = page.items.some((run) => activeRunStatuses.includes(run.status));
        if (active || campaignSending) timer = setTimeout(() => setTick((n) => n + 1), runPollMs);
      },
      (error: unknown) => {
        if (!live) return;
        setRuns((state) => (state.kind === 'ready' ? state : { kind: 'error', message: errorText(t, error) }));
        // A passing network failure should not end the watch of a sending campaign.
        if (campaignSending) timer = setTimeout(() => setTick((n) => n + 1), runPollMs * 3);
      },
    );
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, campaignId, campaignSending, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { runs, refresh };
}

export function RunsPanel({ runs, people, user, onRetry }: { runs: RunsState; people: People; user: SignedInUser; onRetry: () => void }) {
  const { t } = useI18n();
  if (runs.kind === 'loading') {
    return (
      <div className="state" role="status">
        <span className="spinner" aria-hidden="true" />
        {t('common.loading')}
      </div>
    );
  }
  if (runs.kind === 'error') {
    return (
      <div className="state state--error" role="alert">
        <p>
          <strong>{t('runs.loadFailed')}</strong> {runs.message}
        </p>
        <button type="button" className="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (runs.items.length === 0) {
    return (
      <div className="card">
        <div className="state" data-testid="runs-empty">
          <p>
            <strong>{t('runs.empty')}</strong>
          </p>
          <p className="muted">{t('runs.emptyHint')}</p>
        </div>
      </div>
    );
  }
  return (
    <ol className="runs" data-testid="runs">
      {runs.items.map((run) => (
        <RunCard key={run.id} run={run} people={people} user={user} />
      ))}
    </ol>
  );
}

function RunCard({ run, people, user }: { run: CampaignRun; people: People; user: SignedInUser }) {
  const { t, locale } = useI18n();
  const { dateTime } = useDateFormat();
  const nameOf = usePersonName(people, user);
  const number = new Intl.NumberFormat(locale);
  const summary = run.audienceSummary;
  return (
    <li className="card card--padded run" data-testid="run" data-run-id={run.id} data-status={run.status}>
      <header className="run__head">
        <RunStatusBadge status={run.status} testId="run-status" />
        <CampaignTypeBadge type={run.type} />
        {run.resendOf ? <span className="tag">{t('runs.resendOf', { who: t(`who.${run.resendOf.who}`) })}</span> : null}
        <span className="muted run__when">
          {t('runs.launched', { who: nameOf(run.launchedBy), date: dateTime(run.launchedAt) })}
          {run.finishedAt ? ` · ${t('runs.finished', { date: dateTime(run.finishedAt) })}` : null}
        </span>
      </header>
      <RunProgressBar run={run} label={t('runs.progress')} />
      <p className="muted run__done" data-testid="run-done">
        {t('runs.doneOfTotal', { done: number.format(runDone(run)), total: number.format(run.progress.total) })}
      </p>
      <RunCounts run={run} />
      {summary ? (
        <details className="run__summary" open>
          <summary>{t('runs.audienceSummary')}</summary>
          <Counts
            items={[
              { key: 'audience-total', label: t('runs.summary.total'), value: summary.total },
              { key: 'audience-duplicates', label: t('runs.summary.duplicates'), value: summary.duplicates },
              { key: 'audience-invalid', label: t('runs.summary.invalid'), value: summary.invalid, tone: summary.invalid > 0 ? 'bad' : undefined },
              { key: 'audience-corrected', label: t('runs.summary.corrected'), value: summary.corrected, tone: summary.corrected > 0 ? 'good' : undefined },
              { key: 'audience-suppressed', label: t('runs.summary.suppressed'), value: summary.suppressed, tone: summary.suppressed > 0 ? 'warn' : undefined },
              { key: 'audience-excluded', label: t('runs.summary.excluded'), value: summary.excluded },
            ]}
          />
        </details>
      ) : activeRunStatuses.includes(run.status) || run.status === 'scheduled' ? (
        <p className="muted">{t('runs.summaryPending')}</p>
      ) : null}
      <p className="run__points" data-testid="run-points">
        {t('runs.points', {
          reserved: run.pointsReserved === undefined ? t('common.none') : number.format(run.pointsReserved),
          used: run.pointsUsed === undefined ? t('common.none') : number.format(run.pointsUsed),
        })}
      </p>
      {run.error ? (
        <p className="notice notice--error" role="alert" data-testid="run-error">
          <strong>{t('runs.error')}</strong> {run.error.detail} <span className="mono">({run.error.code})</span>
        </p>
      ) : null}
    </li>
  );
}

export function HistoryPanel({ audit, people, user }: { audit: readonly AuditEntry[]; people: People; user: SignedInUser }) {
  const { t } = useI18n();
  const { dateTime } = useDateFormat();
  const nameOf = usePersonName(people, user);
  const actionOf = (action: string) => {
    const key = `auditAction.${action}`;
    return isMessageKey(key) ? t(key) : action;
  };
  const entries = [...audit].reverse();
  return (
    <div className="card">
      <div className="table-wrap">
        <table className="table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">{t('history.at')}</th>
              <th scope="col">{t('history.by')}</th>
              <th scope="col">{t('history.action')}</th>
              <th scope="col">{t('history.change')}</th>
              <th scope="col">{t('history.comment')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={`${entry.at}-${index}`} data-testid="history-row" data-action={entry.action}>
                <td className="nowrap muted">{dateTime(entry.at)}</td>
                <td>{nameOf(entry.by)}</td>
                <td className="table__strong">{actionOf(entry.action)}</td>
                <td className="nowrap">
                  {entry.from || entry.to ? (
                    <span className="history__change">
                      {entry.from ? <CampaignStatusBadge status={entry.from as CampaignStatus} /> : <span className="muted">{t('common.none')}</span>}
                      <span aria-hidden="true">→</span>
                      <span className="visually-hidden">{t('history.to')}</span>
                      {entry.to ? <CampaignStatusBadge status={entry.to as CampaignStatus} /> : null}
                    </span>
                  ) : (
                    <span className="muted">{t('common.none')}</span>
                  )}
                </td>
                <td className="history__comment">{entry.comment ?? <span className="muted">{t('common.none')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
