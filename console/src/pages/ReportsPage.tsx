/**
 * 報表管理 (`#/reports`): campaigns side by side. The workspace's campaigns are listed with a
 * checkbox each (the newest sent ones ticked at first); the ticked ones are compared through
 * GET /reports/comparison, which reads each campaign's latest report snapshots (二階段式報表) and
 * queries nothing. A row whose reports were never generated says which, and offers to generate
 * them; the page then reads the comparison again every 2 s until they are there. Each name leads
 * to the campaign's 報表 tab. Every role may open the page and generate (the API admits viewers).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiClient } from '../api';
import { reportLabel, reportTitle, reportWord } from '../../../shared/reports/labels';
import { defaultReportTimeZone, formatValue } from '../../../shared/reports/render/format';
import { campaignsApi, type Campaign } from '../campaigns-api';
import { CampaignStatusBadge } from '../components/campaign-ui';
import { ReportChart, type ChartWords } from '../components/ReportChart';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import {
  chartable,
  comparisonChartData,
  comparisonChartSeries,
  comparisonFormatOf,
  comparisonValue,
  defaultComparedCampaigns,
  defaultComparisonSelection,
  maxComparedCampaigns,
  newestFirst,
  nextPollDelay,
  reportsApi,
  settlePending,
  toggleCompared,
  type Comparison,
  type ComparisonItem,
  type PendingGeneration,
} from '../reports-api';
import { hrefOf } from '../routing';
import '../catalog.css';
import '../campaigns.css';
import '../reports.css';

/** A campaign's 報表 tab, as CampaignDetail names its tabs (`#/campaigns/<id>?tab=reports`). */
const reportsTabHref = (id: string) => `${hrefOf('campaigns')}/${encodeURIComponent(id)}?tab=reports`;

/** Campaigns read per page: the API's largest (it filters by department after reading, so a page may hold fewer). */
const pageSize = 100;
/** Ticking several boxes in a row asks once. */
const selectionSettleMs = 250;

type CampaignList = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; items: Campaign[]; nextCursor?: string };

export function ReportsPage({ api }: { api: ApiClient }) {
  const { t } = useI18n();
  const campaigns = useMemo(() => campaignsApi(api), [api]);
  const reports = useMemo(() => reportsApi(api), [api]);
  const [list, setList] = useState<CampaignList>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [more, setMore] = useState(false);
  const [moreError, setMoreError] = useState<string | undefined>();
  /** Undefined until the first page arrives (then the default selection). */
  const [selected, setSelected] = useState<string[] | undefined>();

  useEffect(() => {
    let live = true;
    setList({ kind: 'loading' });
    campaigns.listCampaigns({ limit: pageSize }).then(
      (page) => {
        if (!live) return;
        const items = newestFirst(page.items);
        setList({ kind: 'ready', items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
        setSelected((current) => current ?? defaultComparisonSelection(items));
      },
      (error: unknown) => live && setList({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [campaigns, reload]);

  async function loadMore() {
    if (list.kind !== 'ready' || !list.nextCursor) return;
    setMore(true);
    setMoreError(undefined);
    try {
      const page = await campaigns.listCampaigns({ cursor: list.nextCursor, limit: pageSize });
      const known = new Set(list.items.map((campaign) => campaign.id));
      const items = newestFirst([...list.items, ...page.items.filter((campaign) => !known.has(campaign.id))]);
      setList({ kind: 'ready', items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      setMoreError(errorText(t, error));
    } finally {
      setMore(false);
    }
  }

  const items = list.kind === 'ready' ? list.items : [];
  const chosen = selected ?? [];
  // Asked for in the list's order (newest first), so rows and bars keep a stable order whatever was ticked when.
  const ids = useMemo(() => items.filter((campaign) => chosen.includes(campaign.id)).map((campaign) => campaign.id), [items, chosen]);

  return (
    <section className="page reports-page" aria-labelledby="reports-page-title" data-testid="reports-page">
      <header className="page__header">
        <div>
          <h1 id="reports-page-title" data-testid="page-title">
            {t('reportsPage.title')}
          </h1>
          <p className="muted">{t('reportsPage.subtitle')}</p>
        </div>
      </header>
      <p className="notice notice--info reports-page__source" data-testid="reports-source">
        {t('reportsPage.source')}
      </p>

      {list.kind === 'loading' ? (
        <div className="card">
          <div className="state" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        </div>
      ) : list.kind === 'error' ? (
        <div className="card">
          <div className="state state--error" role="alert">
            <p>
              <strong>{t('campaigns.loadFailed')}</strong> {list.message}
            </p>
            <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
              {t('common.retry')}
            </button>
          </div>
        </div>
      ) : list.items.length === 0 ? (
        <div className="card">
          <div className="state" data-testid="reports-no-campaigns">
            <p>
              <strong>{t('reportsPage.noCampaigns')}</strong>
            </p>
          </div>
        </div>
      ) : (
        <>
          <CampaignPicker
            items={list.items}
            selected={chosen}
            onChange={setSelected}
            hasMore={list.nextCursor !== undefined}
            loadingMore={more}
            moreError={moreError}
            onLoadMore={() => void loadMore()}
          />
          <ComparisonView reports={reports} ids={ids} />
        </>
      )}
    </section>
  );
}

function CampaignPicker({
  items,
  selected,
  onChange,
  hasMore,
  loadingMore,
  moreError,
  onLoadMore,
}: {
  items: readonly Campaign[];
  selected: readonly string[];
  onChange: (next: string[]) => void;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | undefined;
  onLoadMore: () => void;
}) {
  const { t } = useI18n();
  const dates = useDateFormat();
  const full = selected.length >= maxComparedCampaigns;
  const ticked = items.filter((campaign) => selected.includes(campaign.id)).length;
  return (
    <div className="card card--padded reports-picker" data-testid="compare-picker">
      <div className="reports-picker__head">
        <div>
          <h2 id="reports-picker-title">{t('reportsPage.campaigns')}</h2>
          <p className="field__hint">{t('reportsPage.campaignsHint', { max: maxComparedCampaigns, count: defaultComparedCampaigns })}</p>
        </div>
        <div className="reports-picker__actions">
          <span className="reports-picker__count" role="status" data-testid="compare-count" data-count={ticked}>
            {t('reportsPage.selectedCount', { count: ticked, max: maxComparedCampaigns })}
          </span>
          <button type="button" className="button button--small" onClick={() => onChange(defaultComparisonSelection(items))} data-testid="compare-reset">
            {t('reportsPage.resetSelection')}
          </button>
          <button type="button" className="button button--small" onClick={() => onChange([])} disabled={selected.length === 0} data-testid="compare-clear">
            {t('common.clear')}
          </button>
        </div>
      </div>
      {full ? (
        <p className="field__hint reports-picker__limit" data-testid="compare-limit">
          {t('reportsPage.limitReached', { max: maxComparedCampaigns })}
        </p>
      ) : null}
      <ul className="reports-picker__list" aria-labelledby="reports-picker-title">
        {items.map((campaign) => {
          const on = selected.includes(campaign.id);
          return (
            <li key={campaign.id} className={`reports-picker__item${on ? ' reports-picker__item--on' : ''}`} data-testid="compare-campaign" data-campaign-id={campaign.id} data-selected={on ? 'true' : 'false'}>
              <label className="choice reports-picker__choice">
                <input
                  type="checkbox"
                  checked={on}
                  disabled={!on && full}
                  onChange={(event) => onChange(toggleCompared(selected, campaign.id, event.target.checked))}
                  aria-label={t('reportsPage.select', { name: campaign.name })}
                  data-testid="compare-check"
                />
                <span className="reports-picker__name" title={campaign.name}>
                  {campaign.name}
                </span>
              </label>
              <span className="reports-picker__meta">
                <CampaignStatusBadge status={campaign.status} />
                <span className="muted nowrap">{dates.date(campaign.createdAt)}</span>
              </span>
            </li>
          );
        })}
      </ul>
      {hasMore || moreError ? (
        <div className="reports-picker__more">
          {hasMore ? (
            <button type="button" className="button button--small" onClick={onLoadMore} disabled={loadingMore} data-testid="compare-more">
              {loadingMore ? t('common.loading') : t('campaigns.loadMore')}
            </button>
          ) : null}
          {moreError ? (
            <span className="field__error" role="alert">
              {moreError}
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

type Answer = { comparison?: Comparison; error?: string; loading: boolean };

function ComparisonView({ reports, ids }: { reports: ReturnType<typeof reportsApi>; ids: readonly string[] }) {
  const { t, language } = useI18n();
  const key = ids.join(',');
  const [answer, setAnswer] = useState<Answer>({ loading: ids.length > 0 });
  /** Bumped to read the comparison again (polling); every answer bumps `answers`. */
  const [tick, setTick] = useState(0);
  const [answers, setAnswers] = useState(0);
  const [pending, setPending] = useState<Record<string, PendingGeneration>>({});
  // The answer handler reads the latest generations asked for, not those of the render that asked.
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const [late, setLate] = useState<ReadonlySet<string>>(new Set());
  const [requesting, setRequesting] = useState<ReadonlySet<string>>(new Set());
  const [rowErrors, setRowErrors] = useState<Readonly<Record<string, string>>>({});

  useEffect(() => {
    if (key === '') {
      setAnswer({ loading: false });
      return;
    }
    let live = true;
    setAnswer((previous) => ({ ...previous, loading: true }));
    const timer = setTimeout(() => {
      reports.compareCampaigns(key.split(',')).then(
        (comparison) => {
          if (!live) return;
          setAnswer({ comparison, loading: false });
          const now = Date.now();
          const { late: given } = settlePending(pendingRef.current, comparison.items, now);
          setPending((current) => settlePending(current, comparison.items, now).pending);
          if (given.length > 0) setLate((current) => new Set([...current, ...given]));
          setAnswers((n) => n + 1);
        },
        (error: unknown) => {
          if (!live) return;
          setAnswer((previous) => ({ ...previous, error: errorText(t, error), loading: false }));
          setAnswers((n) => n + 1);
        },
      );
    }, selectionSettleMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Keyed on the ids and the poll only (not on t: a language switch must not re-fetch).
  }, [reports, key, tick]);

  // While a generation asked for here is awaited, read the comparison again after each answer: every 2 s, every 10 s after two minutes.
  const waiting = Object.values(pending);
  const oldest = waiting.length > 0 ? Math.min(...waiting.map((generation) => generation.since)) : undefined;
  useEffect(() => {
    if (oldest === undefined) return;
    const timer = setTimeout(() => setTick((n) => n + 1), nextPollDelay(Date.now() - oldest));
    return () => clearTimeout(timer);
  }, [oldest, answers]);

  const generate = useCallback(
    async (item: ComparisonItem) => {
      const id = item.campaignId;
      const types = [...item.notGenerated];
      setRequesting((current) => new Set([...current, id]));
      setRowErrors(({ [id]: _dropped, ...rest }) => rest);
      try {
        await reports.generateReports(id, { types });
        setPending((current) => ({ ...current, [id]: { types, since: Date.now() } }));
        setLate((current) => new Set([...current].filter((other) => other !== id)));
      } catch (error) {
        setRowErrors((current) => ({ ...current, [id]: errorText(t, error) }));
      } finally {
        setRequesting((current) => new Set([...current].filter((other) => other !== id)));
      }
    },
    [reports, t],
  );

  const comparison = answer.comparison;
  // Rows of campaigns still ticked only (an answer may be a moment behind the selection).
  const rows = useMemo(() => (comparison ? comparison.items.filter((item) => ids.includes(item.campaignId)) : []), [comparison, ids]);

  if (ids.length === 0) {
    return (
      <div className="card card--padded reports-compare" data-testid="comparison">
        <h2>{t('reportsPage.comparison')}</h2>
        <p className="muted" data-testid="comparison-none">
          {t('reportsPage.nothingSelected')}
        </p>
      </div>
    );
  }

  const timeZone = defaultReportTimeZone;
  const words: ChartWords = {
    title: t('reportsPage.chartTitle'),
    seriesLabel: (series) => reportLabel(language, series),
    value: (value) => formatValue(value, 'percent', language),
    percent: (fraction) => formatValue(fraction, 'percent', language),
    other: t('reports.chartOther'),
    noData: t('reports.chartNoData'),
  };

  return (
    <div className="card card--padded reports-compare" data-testid="comparison" aria-busy={answer.loading ? 'true' : undefined}>
      <div className="reports-compare__head">
        <h2>{t('reportsPage.comparison')}</h2>
        {answer.loading ? <span className="spinner spinner--small" aria-label={t('common.loading')} /> : null}
        <span className="field__hint">{t('reports.timeZoneNote', { zone: timeZone })}</span>
      </div>
      {answer.error ? (
        <p className="notice notice--error" role="alert" data-testid="comparison-error">
          <strong>{t('reportsPage.comparisonFailed')}</strong> {answer.error}
        </p>
      ) : null}
      {!comparison ? (
        answer.error ? null : (
          <div className="state state--compact" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('common.loading')}
          </div>
        )
      ) : (
        <>
          <div className="table-wrap reports-compare__table">
            <table className="table table--compact" data-testid="comparison-table">
              <thead>
                <tr>
                  <th scope="col" className="reports-compare__name">
                    {reportWord(language, 'campaign')}
                  </th>
                  <th scope="col" title={t('reportsPage.generatedAtHint')}>
                    {t('reportsPage.generatedAt')}
                  </th>
                  {comparison.columns.map((column) => (
                    <th key={column} scope="col" className="table__number" data-key={column}>
                      {reportLabel(language, column)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((item) => {
                  const waitingFor = pending[item.campaignId];
                  const busy = requesting.has(item.campaignId) || waitingFor !== undefined;
                  return (
                    <tr key={item.campaignId} data-testid="comparison-row" data-campaign-id={item.campaignId} data-not-generated={item.notGenerated.join(',')}>
                      <th scope="row" className="reports-compare__name">
                        <a className="table__strong" href={reportsTabHref(item.campaignId)} aria-label={t('reportsPage.openReports', { name: item.name })} data-testid="comparison-open">
                          {item.name}
                        </a>
                        {item.notGenerated.length > 0 ? (
                          <div className="reports-compare__missing" data-testid="comparison-missing">
                            <span className="muted">{t('reportsPage.notGenerated', { list: item.notGenerated.map((type) => reportTitle(language, type)).join(language === 'zh-TW' ? '、' : ', ') })}</span>
                            <button type="button" className="button button--small" onClick={() => void generate(item)} disabled={busy} data-testid="comparison-generate">
                              {busy ? (
                                <>
                                  <span className="spinner spinner--small" aria-hidden="true" /> {t('reportState.generating')}
                                </>
                              ) : (
                                t('reports.generate')
                              )}
                            </button>
                            {late.has(item.campaignId) && !busy ? (
                              <span className="field__hint" data-testid="comparison-late">
                                {t('reportsPage.late')}
                              </span>
                            ) : null}
                            {rowErrors[item.campaignId] ? (
                              <span className="field__error" role="alert" data-testid="comparison-generate-error">
                                {rowErrors[item.campaignId]}
                              </span>
                            ) : null}
                          </div>
                        ) : null}
                      </th>
                      <td className="nowrap reports-compare__time" data-testid="comparison-generated-at" data-value={item.generatedAt ?? ''}>
                        {formatValue(item.generatedAt ?? null, 'time', language, { timeZone })}
                      </td>
                      {comparison.columns.map((column) => {
                        const value = comparisonValue(item, column);
                        return (
                          <td key={column} className="table__number" data-testid="comparison-cell" data-key={column} data-value={value ?? ''}>
                            {formatValue(value ?? null, comparisonFormatOf(column), language, { timeZone })}
                          </td>
                        );
                      })}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="reports-compare__chart">
            <ReportChart
              chart={{ key: 'comparison', kind: 'bar', table: 'comparison', label: 'name', series: [...comparisonChartSeries] }}
              data={comparisonChartData(rows.filter(chartable))}
              words={words}
            />
            {rows.some((item) => !chartable(item)) ? (
              <p className="field__hint reports-compare__left-out" data-testid="comparison-chart-left-out">
                {t('reportsPage.chartLeftOut', {
                  list: rows
                    .filter((item) => !chartable(item))
                    .map((item) => item.name)
                    .join(language === 'zh-TW' ? '、' : ', '),
                })}
              </p>
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}
