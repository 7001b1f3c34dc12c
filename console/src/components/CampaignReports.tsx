/**
 * 報表 (a campaign's Reports tab): two-stage reports — generation is queued and never blocks the
 * page; viewing shows the latest snapshot at once. Left, the catalogue by category with each
 * report's state and whether the campaign produces it; right, the chosen report (kept in the
 * address as `&report=<type>`, so a reload stays on it). Below: Generate all, the recipient lists
 * and the report settings. Every role may generate and download (as shared/api/routes.ts
 * admits); operators and above create recipient lists, edit the settings and send them now.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiClient, type SignedInUser } from '../api';
import { categoryTitle, reportTitle } from '../../../shared/reports/labels';
import { formatValue } from '../../../shared/reports/render/format';
import { errorText } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  catalogueByCategory,
  isPending,
  mergeStatuses,
  nextPollDelay,
  reportsApi,
  reportTypes,
  stateOf,
  statusesByType,
  type ReportSettings,
  type ReportStatus,
  type ReportType,
  type ReportsApi,
} from '../reports-api';
import { hrefOf, subRouteOf } from '../routing';
import { RecipientLists } from './RecipientLists';
import { ReportSettingsForm } from './ReportSettingsForm';
import { ReportView } from './ReportView';
import '../reports.css';

type Loaded = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; settings: ReportSettings };

const isType = (value: string | null): value is ReportType => value !== null && (reportTypes as readonly string[]).includes(value);

/** `#/campaigns/<id>?tab=reports&report=<type>`: replaced, not pushed, as the tabs are. */
const reportHref = (campaignId: string, type: ReportType) => `${hrefOf('campaigns')}/${encodeURIComponent(campaignId)}?tab=reports&report=${type}`;

export function CampaignReports({ api, campaignId, user }: { api: ApiClient; campaignId: string; user: SignedInUser }) {
  const { t } = useI18n();
  const reports = useMemo(() => reportsApi(api), [api]);
  const canWrite = user.role !== 'viewer';
  // POST …/reports/generate admits viewers: a report is a read of the campaign, only queued later.
  const canGenerate = true;
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [statuses, setStatuses] = useState<Record<ReportType, ReportStatus>>(() => statusesByType([]));
  const [selected, setSelected] = useState<ReportType | undefined>(() => {
    const wanted = subRouteOf(window.location.hash).query.get('report');
    return isType(wanted) ? wanted : undefined;
  });

  useEffect(() => {
    let live = true;
    reports.listReports(campaignId).then(
      (overview) => {
        if (!live) return;
        setStatuses((current) => mergeStatuses(current, overview.reports));
        setLoaded({ kind: 'ready', settings: overview.settings });
        // No report asked for: the first the campaign produces.
        setSelected((current) => current ?? reportTypes.find((type) => overview.settings.types.includes(type)) ?? reportTypes[0]);
      },
      (error: unknown) => live && setLoaded((previous) => (previous.kind === 'ready' ? previous : { kind: 'error', message: errorText(t, error) })),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [reports, campaignId, reload]);

  const onStatuses = useCallback((incoming: readonly ReportStatus[]) => setStatuses((current) => mergeStatuses(current, incoming)), []);

  // Reports generating other than the one shown (that one its view follows): read the catalogue again until they are done.
  const othersPending = reportTypes.some((type) => type !== selected && isPending(statuses[type]));
  useCataloguePoll(reports, campaignId, othersPending, onStatuses);

  const choose = (type: ReportType) => {
    setSelected(type);
    window.history.replaceState(null, '', reportHref(campaignId, type));
  };

  if (loaded.kind === 'loading') {
    return (
      <div className="state" role="status">
        <span className="spinner" aria-hidden="true" />
        {t('common.loading')}
      </div>
    );
  }
  if (loaded.kind === 'error') {
    return (
      <div className="state state--error" role="alert" data-testid="reports-load-error">
        <p>
          <strong>{t('reports.loadFailed')}</strong> {loaded.message}
        </p>
        <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
          {t('common.retry')}
        </button>
      </div>
    );
  }

  const { settings } = loaded;
  const timeZone = settings.dispatch.timeZone || 'Asia/Taipei';
  const current = selected ?? reportTypes[0];

  return (
    <div className="reports" data-testid="campaign-reports">
      <GenerateAll reports={reports} campaignId={campaignId} settings={settings} canGenerate={canGenerate} onStatuses={onStatuses} statuses={statuses} />
      <div className="reports__layout">
        <Catalogue statuses={statuses} settings={settings} selected={current} onChoose={choose} timeZone={timeZone} />
        <ReportView
          key={current}
          reports={reports}
          campaignId={campaignId}
          type={current}
          status={statuses[current]}
          onStatuses={onStatuses}
          canGenerate={canGenerate}
          produced={settings.types.includes(current)}
          timeZone={timeZone}
        />
      </div>
      {/* The lists name people: operators and above only (the API's rule too). */}
      {canWrite ? <RecipientLists reports={reports} campaignId={campaignId} /> : null}
      <ReportSettingsForm
        reports={reports}
        campaignId={campaignId}
        settings={settings}
        canEdit={canWrite}
        onSaved={(next) => setLoaded({ kind: 'ready', settings: next })}
      />
    </div>
  );
}

/** While `active`, GET the catalogue every 2 s (10 s after two minutes) and merge its statuses. */
function useCataloguePoll(reports: ReportsApi, campaignId: string, active: boolean, onStatuses: (statuses: readonly ReportStatus[]) => void) {
  const [tick, setTick] = useState(0);
  const since = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!active) {
      since.current = undefined;
      return;
    }
    since.current ??= Date.now();
    let live = true;
    const timer = setTimeout(() => {
      reports
        .listReports(campaignId)
        .then((overview) => live && onStatuses(overview.reports), () => undefined)
        .finally(() => live && setTick((n) => n + 1));
    }, nextPollDelay(Date.now() - since.current));
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [active, tick, reports, campaignId, onStatuses]);
}

function GenerateAll({
  reports,
  campaignId,
  settings,
  statuses,
  canGenerate,
  onStatuses,
}: {
  reports: ReportsApi;
  campaignId: string;
  settings: ReportSettings;
  statuses: Readonly<Record<ReportType, ReportStatus>>;
  canGenerate: boolean;
  onStatuses: (statuses: readonly ReportStatus[]) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [queued, setQueued] = useState<number | undefined>();
  const chosen = reportTypes.filter((type) => settings.types.includes(type));
  const generating = chosen.filter((type) => isPending(statuses[type])).length;

  async function generateAll() {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await reports.generateReports(campaignId, { types: chosen });
      onStatuses(answer.reports);
      setQueued(chosen.length);
    } catch (failure) {
      setError(errorText(t, failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <header className="reports__head">
      <div>
        <h2>{t('reports.title')}</h2>
        <p className="field__hint">{t('reports.hint')}</p>
      </div>
      {canGenerate ? (
        <div className="reports__generate-all">
          <button type="button" className="button" onClick={() => void generateAll()} disabled={busy || chosen.length === 0 || generating > 0} data-testid="reports-generate-all">
            {busy ? t('reports.requesting') : generating > 0 ? t('reportState.generating') : `↻ ${t('reports.generateAll')}`}
          </button>
          <span className="field__hint" role="status">
            {chosen.length === 0
              ? t('reports.generateAllNone')
              : queued !== undefined && generating > 0
                ? t('reports.generateAllQueued', { count: generating })
                : t('reports.generateAllHint', { count: chosen.length })}
          </span>
          {error ? (
            <span className="field__error" role="alert" data-testid="reports-generate-all-error">
              {error}
            </span>
          ) : null}
        </div>
      ) : null}
    </header>
  );
}

function Catalogue({
  statuses,
  settings,
  selected,
  onChoose,
  timeZone,
}: {
  statuses: Readonly<Record<ReportType, ReportStatus>>;
  settings: ReportSettings;
  selected: ReportType;
  onChoose: (type: ReportType) => void;
  timeZone: string;
}) {
  const { t, language } = useI18n();
  return (
    <nav className="reports__catalogue" aria-label={t('reports.catalogue')} data-testid="reports-catalogue">
      {catalogueByCategory().map(({ category, types }) => (
        <div key={category} className="reports__category">
          <h3 className="reports__category-title">{categoryTitle(language, category)}</h3>
          <ul>
            {types.map((type) => {
              const status = statuses[type];
              const state = stateOf(status);
              const produced = settings.types.includes(type);
              return (
                <li key={type}>
                  <button
                    type="button"
                    className={`report-item${type === selected ? ' report-item--active' : ''}${produced ? '' : ' report-item--off'}`}
                    aria-current={type === selected ? 'true' : undefined}
                    onClick={() => onChoose(type)}
                    data-testid="report-item"
                    data-type={type}
                    data-state={state}
                  >
                    <span className="report-item__title">
                      {reportTitle(language, type)}
                      {!produced ? <span className="report-item__off">{t('reports.notProduced')}</span> : null}
                    </span>
                    <span className={`report-item__state report-item__state--${state}`}>
                      {state === 'generating' ? <span className="spinner spinner--small" aria-hidden="true" /> : null}
                      {state === 'ready'
                        ? t('reportState.ready', { date: formatValue(status.generatedAt ?? null, 'time', language, { timeZone }) })
                        : state === 'failed'
                          ? t('reportState.failed')
                          : state === 'generating'
                            ? t('reportState.generating')
                            : t('reportState.never')}
                    </span>
                    {state === 'failed' && status.error ? (
                      <span className="report-item__error" title={status.error}>
                        {status.error}
                      </span>
                    ) : null}
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
