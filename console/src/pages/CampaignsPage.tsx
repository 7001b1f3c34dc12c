/**
 * 電子郵件任務 (e-mail campaigns): `#/campaigns` lists them (status, last run's progress, clone),
 * `#/campaigns/new` composes one, `#/campaigns/<id>` is one campaign with its content, audience,
 * preview, test send, approval (審核), launch (排程), runs and history.
 */
import { useEffect, useMemo, useState } from 'react';
import { type ApiClient, type SignedInUser } from '../api';
import { campaignStatuses, campaignsApi, type Campaign, type CampaignRun, type CampaignsApi, type CampaignStatus } from '../campaigns-api';
import { CampaignStatusBadge, CampaignTypeBadge, RunProgressBar, RunStatusBadge, runDone } from '../components/campaign-ui';
import { Notice, type NoticeState } from '../components/catalog-ui';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { hrefOf, useSubRoute } from '../routing';
import { CampaignCreate, CampaignDetail, campaignHref } from './CampaignDetail';
import '../catalog.css';
import '../campaigns.css';

export function CampaignsPage({ api, user }: { api: ApiClient; user: SignedInUser }) {
  const campaigns = useMemo(() => campaignsApi(api), [api]);
  const { path, query } = useSubRoute();
  if (path === 'new') return <CampaignCreate api={api} campaigns={campaigns} user={user} />;
  if (path) return <CampaignDetail key={path} id={path} initialTab={query.get('tab') ?? undefined} api={api} campaigns={campaigns} user={user} />;
  return <CampaignList campaigns={campaigns} user={user} />;
}

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Campaign[]; nextCursor?: string };

function CampaignList({ campaigns, user }: { campaigns: CampaignsApi; user: SignedInUser }) {
  const { t } = useI18n();
  const dates = useDateFormat();
  const canWrite = user.role !== 'viewer';
  const [status, setStatus] = useState<CampaignStatus | ''>('');
  const [state, setState] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [more, setMore] = useState(false);
  const [notice, setNotice] = useState<NoticeState>();
  const [cloning, setCloning] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    campaigns.listCampaigns(status ? { status } : {}).then(
      (page) => live && setState({ kind: 'ready', items: [...page.items], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }),
      (error: unknown) => live && setState({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, status, reload]);

  async function loadMore() {
    if (state.kind !== 'ready' || !state.nextCursor) return;
    setMore(true);
    try {
      const page = await campaigns.listCampaigns({ cursor: state.nextCursor, ...(status ? { status } : {}) });
      setState({ kind: 'ready', items: [...state.items, ...page.items.filter((c) => !state.items.some((i) => i.id === c.id))], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      setNotice({ error: errorText(t, error) });
    } finally {
      setMore(false);
    }
  }

  async function clone(campaign: Campaign) {
    setCloning(campaign.id);
    try {
      const copy = await campaigns.cloneCampaign(campaign.id);
      window.location.hash = campaignHref(copy.id);
    } catch (error) {
      setNotice({ error: errorText(t, error) });
      setCloning(undefined);
    }
  }

  return (
    <section className="page" aria-labelledby="campaigns-title">
      <header className="page__header">
        <div>
          <h1 id="campaigns-title" data-testid="page-title">
            {t('campaigns.title')}
          </h1>
          <p className="muted">{t('campaigns.subtitle')}</p>
        </div>
        {canWrite ? (
          <a className="button button--primary" href={`${hrefOf('campaigns')}/new`} data-testid="campaign-add">
            + {t('campaigns.add')}
          </a>
        ) : null}
      </header>
      {!canWrite ? (
        <p className="notice notice--info" data-testid="read-only">
          {t('campaigns.readOnly')}
        </p>
      ) : null}
      <Notice notice={notice} onClose={() => setNotice(undefined)} />
      <div className="filters">
        <label className="filters__item">
          {t('campaigns.status')}
          <select value={status} onChange={(event) => setStatus(event.target.value as CampaignStatus | '')} data-testid="campaign-filter-status">
            <option value="">{t('campaigns.allStatuses')}</option>
            {campaignStatuses.map((s) => (
              <option key={s} value={s}>
                {t(`campaignStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="card">
        {state.kind === 'loading' ? (
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        ) : state.kind === 'error' ? (
          <div className="state state--error" role="alert">
            <p>
              <strong>{t('campaigns.loadFailed')}</strong> {state.message}
            </p>
            <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </div>
        ) : state.items.length === 0 ? (
          <div className="state" data-testid="list-empty">
            <p>
              <strong>{status ? t('campaigns.emptyFiltered') : t('campaigns.empty')}</strong>
            </p>
            {canWrite && !status ? <p className="muted">{t('campaigns.emptyHint')}</p> : null}
          </div>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="campaigns-table">
                <thead>
                  <tr>
                    <th scope="col">{t('campaigns.name')}</th>
                    <th scope="col">{t('campaigns.type')}</th>
                    <th scope="col">{t('campaigns.status')}</th>
                    <th scope="col">{t('campaigns.lastRun')}</th>
                    <th scope="col">{t('campaigns.updatedAt')}</th>
                    <th scope="col" className="table__actions">
                      <span className="visually-hidden">{t('common.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {state.items.map((campaign) => (
                    <tr key={campaign.id} data-testid="campaign-row" data-campaign-id={campaign.id}>
                      <td>
                        <a className="table__strong" href={campaignHref(campaign.id)} data-testid="campaign-open">
                          {campaign.name}
                        </a>
                        <div className="muted table__sub">{campaign.content.subject}</div>
                      </td>
                      <td>
                        <CampaignTypeBadge type={campaign.type} />
                      </td>
                      <td>
                        <CampaignStatusBadge status={campaign.status} testId="campaign-row-status" />
                      </td>
                      <td className="campaigns__last-run">{campaign.lastRunId ? <LastRun campaigns={campaigns} campaign={campaign} /> : <span className="muted">{t('common.none')}</span>}</td>
                      <td className="nowrap muted">{dates.dateTime(campaign.updatedAt)}</td>
                      <td className="table__actions">
                        <a className="button button--small" href={campaignHref(campaign.id)} aria-label={t('campaigns.openOf', { name: campaign.name })}>
                          {t('campaigns.open')}
                        </a>
                        {canWrite ? (
                          <button
                            type="button"
                            className="button button--small"
                            onClick={() => void clone(campaign)}
                            disabled={cloning !== undefined}
                            aria-label={t('campaigns.cloneOf', { name: campaign.name })}
                            data-testid="campaign-clone"
                          >
                            {cloning === campaign.id ? t('campaigns.cloning') : t('campaigns.clone')}
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {state.nextCursor ? (
              <div className="card__footer">
                <button type="button" className="button" onClick={() => void loadMore()} disabled={more} data-testid="campaigns-more">
                  {more ? t('common.loading') : t('campaigns.loadMore')}
                </button>
              </div>
            ) : null}
          </>
        )}
      </div>
    </section>
  );
}

/** The last run's status and progress, read per row (a list shows at most a page of campaigns). */
function LastRun({ campaigns, campaign }: { campaigns: CampaignsApi; campaign: Campaign }) {
  const { t, locale } = useI18n();
  const [run, setRun] = useState<CampaignRun | 'failed' | undefined>();
  const runId = campaign.lastRunId ?? '';
  useEffect(() => {
    let live = true;
    campaigns.getRun(campaign.id, runId).then(
      (next) => live && setRun(next),
      () => live && setRun('failed'),
    );
    return () => {
      live = false;
    };
  }, [campaigns, campaign.id, runId]);
  if (run === undefined) return <span className="spinner spinner--small" aria-label={t('common.loading')} />;
  if (run === 'failed') return <span className="muted">{t('common.none')}</span>;
  const number = new Intl.NumberFormat(locale);
  return (
    <div className="last-run" data-testid="campaign-last-run">
      <div className="last-run__head">
        <RunStatusBadge status={run.status} />
        <span className="muted">{t('runs.doneOfTotal', { done: number.format(runDone(run)), total: number.format(run.progress.total) })}</span>
      </div>
      <RunProgressBar run={run} label={t('runs.progressOf', { name: campaign.name })} />
    </div>
  );
}
