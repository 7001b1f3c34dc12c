/**
 * Pieces the campaign pages share: status and type badges, people's names (users and
 * departments, as far as the role may read them), a run's progress bar and counts.
 */
import { useEffect, useState } from 'react';
import { type ApiClient, type Role, type SignedInUser } from '../api';
import { type CampaignRun, type CampaignStatus, type CampaignType, type RunStatus } from '../campaigns-api';
import { useI18n } from '../i18n/I18nProvider';
import { Counts } from './jobs';

export function CampaignStatusBadge({ status, testId }: { status: CampaignStatus; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className={`status status--campaign-${status}`} data-testid={testId} data-status={status}>
      {t(`campaignStatus.${status}`)}
    </span>
  );
}

export function RunStatusBadge({ status, testId }: { status: RunStatus; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className={`status status--run-${status}`} data-testid={testId} data-status={status}>
      {t(`runStatus.${status}`)}
    </span>
  );
}

export function CampaignTypeBadge({ type }: { type: CampaignType }) {
  const { t } = useI18n();
  return (
    <span className={`tag tag--campaign-${type}`} data-type={type}>
      {t(`campaignType.${type}`)}
    </span>
  );
}

export interface People {
  /** User id → name (or e-mail); empty for roles that may not list users. */
  readonly users: ReadonlyMap<string, { name: string; email: string; role: Role }>;
  readonly departments: ReadonlyMap<string, string>;
  readonly loaded: boolean;
}

const canListUsers = (role: Role) => role === 'admin' || role === 'manager';

/** Users (managers and admins may list them) and departments, for names in place of ids. */
export function usePeople(api: ApiClient, role: Role): People {
  const [people, setPeople] = useState<People>({ users: new Map(), departments: new Map(), loaded: false });
  useEffect(() => {
    let live = true;
    void Promise.allSettled([canListUsers(role) ? api.listUsers() : Promise.resolve({ items: [] }), api.listDepartments()]).then(([users, departments]) => {
      if (!live) return;
      setPeople({
        users: new Map(users.status === 'fulfilled' ? users.value.items.map((u) => [u.id, { name: u.name || u.email, email: u.email, role: u.role }]) : []),
        departments: new Map(departments.status === 'fulfilled' ? departments.value.items.map((d) => [d.id, d.name]) : []),
        loaded: true,
      });
    });
    return () => {
      live = false;
    };
  }, [api, role]);
  return people;
}

/** "You", a user's name, an API key or the system, else the id as given. */
export function usePersonName(people: People, me: SignedInUser) {
  const { t } = useI18n();
  return (id: string): string => {
    if (id === me.id) return t('campaigns.you', { name: me.name ?? me.email });
    if (id === 'system') return t('campaigns.bySystem');
    if (id === 'scheduler') return t('campaigns.byScheduler');
    if (id === 'delivery') return t('campaigns.byDelivery');
    return people.users.get(id)?.name ?? id;
  };
}

/** How far a run is: everything handled (sent, failed, suppressed, cancelled) against the total. */
export function runDone(run: Pick<CampaignRun, 'progress'>): number {
  const p = run.progress;
  return p.sent + p.failed + p.suppressed + p.cancelled;
}

export function RunProgressBar({ run, label }: { run: Pick<CampaignRun, 'progress' | 'status'>; label: string }) {
  const total = run.progress.total;
  const stacked = total > 0;
  const share = (n: number) => `${Math.min(100, (n / Math.max(1, total)) * 100)}%`;
  const done = runDone(run);
  const percent = stacked ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  const moving = run.status === 'planning' || (run.status === 'sending' && !stacked);
  return (
    <div
      className={`progress run-progress${moving ? ' progress--indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid="run-progress"
      data-done={done}
      data-total={total}
    >
      {moving ? (
        <div className="progress__bar" />
      ) : (
        <>
          <div className="run-progress__part run-progress__part--sent" style={{ width: share(run.progress.sent) }} />
          <div className="run-progress__part run-progress__part--failed" style={{ width: share(run.progress.failed) }} />
          <div className="run-progress__part run-progress__part--suppressed" style={{ width: share(run.progress.suppressed + run.progress.cancelled) }} />
        </>
      )}
    </div>
  );
}

export function RunCounts({ run }: { run: CampaignRun }) {
  const { t } = useI18n();
  const p = run.progress;
  return (
    <Counts
      items={[
        { key: 'total', label: t('runs.total'), value: p.total },
        { key: 'queued', label: t('runs.queued'), value: p.queued },
        { key: 'sent', label: t('runs.sent'), value: p.sent, tone: p.sent > 0 ? 'good' : undefined },
        { key: 'failed', label: t('runs.failed'), value: p.failed, tone: p.failed > 0 ? 'bad' : undefined },
        { key: 'suppressed', label: t('runs.suppressed'), value: p.suppressed, tone: p.suppressed > 0 ? 'warn' : undefined },
        { key: 'cancelled', label: t('runs.cancelled'), value: p.cancelled },
      ]}
    />
  );
}
