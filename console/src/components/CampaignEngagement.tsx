/**
 * 成效 (a campaign's engagement, GET /campaigns/{id}/engagement): delivery (sent, delivered,
 * bounced, complaints), what people did (unique and total opens and clicks, page views, forwards,
 * comments, unsubscribes) and the rates over the delivered (or, before any delivery report, the
 * sent); machine opens and clicks apart, counted nowhere else. Read again every few seconds while
 * the campaign sends, as the runs are. And 留言 (GET /campaigns/{id}/comments): what recipients
 * wrote on the comment page, newest first, 50 at a time.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { appendPage, campaignRates, percentText, rateBase, type CampaignComment, type CampaignEngagement, type EngagementApi } from '../engagement-api';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { Counts } from './jobs';
import '../engagement.css';

/** Engagement comes from the event lake's projection, which moves more slowly than a run's ledger. */
export const engagementPollMs = 5000;

/** No send and no event of any kind: a campaign not sent yet. */
const nothingYet = (e: CampaignEngagement) => e.sent === 0 && e.delivered === 0 && e.bounced === 0 && e.opens.total === 0 && e.opens.machine === 0 && e.clicks.total === 0 && e.clicks.machine === 0;

type EngagementState = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'none' } | { kind: 'ready'; engagement: CampaignEngagement };

/** The campaign's counters, read again every 5 s while `live` (a run planning or sending). */
export function useLiveEngagement(engagementApi: EngagementApi, campaignId: string, live: boolean): { state: EngagementState; refresh: () => void } {
  const { t } = useI18n();
  const [state, setState] = useState<EngagementState>({ kind: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    engagementApi.campaignEngagement(campaignId).then(
      (engagement) => {
        if (!current) return;
        setState({ kind: 'ready', engagement });
        if (live) timer = setTimeout(() => setTick((n) => n + 1), engagementPollMs);
      },
      (error: unknown) => {
        if (!current) return;
        // Nothing tracked yet (a draft never sent) reads as no engagement, not as a failure.
        if (error instanceof ApiError && error.status === 404) setState({ kind: 'none' });
        else setState((previous) => (previous.kind === 'ready' ? previous : { kind: 'error', message: errorText(t, error) }));
        // A passing failure should not end the watch of a sending campaign.
        if (live) timer = setTimeout(() => setTick((n) => n + 1), engagementPollMs * 2);
      },
    );
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [engagementApi, campaignId, live, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { state, refresh };
}

export function EngagementPanel({ engagementApi, campaignId, live }: { engagementApi: EngagementApi; campaignId: string; live: boolean }) {
  const { t, locale } = useI18n();
  const { dateTime } = useDateFormat();
  const { state, refresh } = useLiveEngagement(engagementApi, campaignId, live);
  const number = new Intl.NumberFormat(locale);

  return (
    <section className="card card--padded engagement" aria-labelledby="campaign-engagement-title" data-testid="campaign-engagement" data-live={live ? 'true' : undefined}>
      <header className="engagement__head">
        <h2 id="campaign-engagement-title">{t('campaignEngagement.title')}</h2>
        <span className="engagement__actions">
          {live ? (
            <span className="engagement__live" role="status" data-testid="engagement-live">
              {t('campaignEngagement.live')}
            </span>
          ) : (
            <button type="button" className="button button--small" onClick={refresh} data-testid="engagement-refresh">
              {t('engagement.refresh')}
            </button>
          )}
        </span>
      </header>
      <p className="field__hint">{t('campaignEngagement.hint')}</p>
      {state.kind === 'loading' ? (
        <div className="state state--compact" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : state.kind === 'error' ? (
        <div className="state state--compact state--error" role="alert" data-testid="engagement-error">
          <p>
            <strong>{t('campaignEngagement.loadFailed')}</strong> {state.message}
          </p>
          <button type="button" className="button" onClick={refresh}>
            {t('common.retry')}
          </button>
        </div>
      ) : state.kind === 'none' || nothingYet(state.engagement) ? (
        <div className="state state--compact" data-testid="engagement-empty">
          <p>{t('campaignEngagement.empty')}</p>
        </div>
      ) : (
        <EngagementFigures engagement={state.engagement} number={number} locale={locale} dateTime={dateTime} />
      )}
    </section>
  );
}

function EngagementFigures({ engagement: e, number, locale, dateTime }: { engagement: CampaignEngagement; number: Intl.NumberFormat; locale: string; dateTime: (iso: string) => string }) {
  const { t } = useI18n();
  const rates = campaignRates(e);
  const base = rateBase(e);
  const rateItems = [
    { key: 'open', label: t('campaignEngagement.openRate'), value: rates.open },
    { key: 'click', label: t('campaignEngagement.clickRate'), value: rates.click },
    { key: 'click-to-open', label: t('campaignEngagement.clickToOpen'), value: rates.clickToOpen },
    { key: 'unsubscribe', label: t('campaignEngagement.unsubscribeRate'), value: rates.unsubscribe },
    { key: 'bounce', label: t('campaignEngagement.bounceRate'), value: rates.bounce },
  ];
  return (
    <>
      <h3 className="engagement__group">{t('campaignEngagement.delivery')}</h3>
      <Counts
        items={[
          { key: 'engagement-sent', label: t('campaignEngagement.sent'), value: e.sent },
          { key: 'engagement-delivered', label: t('campaignEngagement.delivered'), value: e.delivered, tone: e.delivered > 0 ? 'good' : undefined },
          { key: 'engagement-bounced', label: t('campaignEngagement.bounced'), value: e.bounced, tone: e.bounced > 0 ? 'bad' : undefined },
          { key: 'engagement-complained', label: t('campaignEngagement.complained'), value: e.complained, tone: e.complained > 0 ? 'bad' : undefined },
        ]}
      />
      <h3 className="engagement__group">{t('campaignEngagement.people')}</h3>
      <Counts
        items={[
          { key: 'engagement-unique-opens', label: t('campaignEngagement.uniqueOpens'), value: e.opens.unique },
          { key: 'engagement-total-opens', label: t('campaignEngagement.totalOpens'), value: e.opens.total },
          { key: 'engagement-unique-clicks', label: t('campaignEngagement.uniqueClicks'), value: e.clicks.unique },
          { key: 'engagement-total-clicks', label: t('campaignEngagement.totalClicks'), value: e.clicks.total },
          { key: 'engagement-page-views', label: t('campaignEngagement.pageViews'), value: e.pageViews },
          { key: 'engagement-forwards', label: t('campaignEngagement.forwards'), value: e.forwards },
          { key: 'engagement-comments', label: t('campaignEngagement.comments'), value: e.comments },
          { key: 'engagement-unsubscribes', label: t('campaignEngagement.unsubscribes'), value: e.unsubscribes, tone: e.unsubscribes > 0 ? 'warn' : undefined },
        ]}
      />
      <h3 className="engagement__group">{t('campaignEngagement.rates')}</h3>
      <dl className="counts" data-testid="engagement-rates">
        {rateItems.map((item) => (
          <div key={item.key} className="counts__item" data-testid={`rate-${item.key}`}>
            <dt>{item.label}</dt>
            <dd data-value={item.value === undefined ? undefined : item.value.toFixed(4)}>{percentText(item.value, locale, t('common.none'))}</dd>
          </div>
        ))}
      </dl>
      <p className="muted" data-testid="engagement-base">
        {e.delivered > 0 ? t('campaignEngagement.baseDelivered', { count: number.format(base) }) : t('campaignEngagement.baseSent', { count: number.format(base) })}
        {e.lastActivityAt ? ` ${t('campaignEngagement.lastActivity', { date: dateTime(e.lastActivityAt) })}` : null}
      </p>
      <div className="engagement__machine" data-testid="engagement-machine">
        <h3 className="engagement__group">{t('campaignEngagement.machine')}</h3>
        <p className="field__hint">{t('campaignEngagement.machineHint')}</p>
        <Counts
          items={[
            { key: 'engagement-machine-opens', label: t('campaignEngagement.machineOpens'), value: e.opens.machine },
            { key: 'engagement-machine-clicks', label: t('campaignEngagement.machineClicks'), value: e.clicks.machine },
          ]}
        />
      </div>
    </>
  );
}

type CommentsState =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; items: CampaignComment[]; next?: string; loadingMore: boolean; moreError?: string };

export function CommentsPanel({ engagementApi, campaignId }: { engagementApi: EngagementApi; campaignId: string }) {
  const { t } = useI18n();
  const { dateTime } = useDateFormat();
  const [state, setState] = useState<CommentsState>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const generation = useRef(0);

  useEffect(() => {
    let live = true;
    const current = ++generation.current;
    engagementApi.campaignComments(campaignId).then(
      (page) => live && current === generation.current && setState({ kind: 'ready', items: [...page.items], ...(page.next ? { next: page.next } : {}), loadingMore: false }),
      (error: unknown) => {
        if (!live) return;
        if (error instanceof ApiError && error.status === 404) setState({ kind: 'ready', items: [], loadingMore: false });
        else setState({ kind: 'error', message: errorText(t, error) });
      },
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [engagementApi, campaignId, reload]);

  async function loadMore() {
    if (state.kind !== 'ready' || !state.next) return;
    const current = generation.current;
    setState({ ...state, loadingMore: true, moreError: undefined });
    try {
      const page = await engagementApi.campaignComments(campaignId, { cursor: state.next });
      if (current !== generation.current) return;
      setState((s) => (s.kind === 'ready' ? { kind: 'ready', items: appendPage(s.items, page.items), ...(page.next ? { next: page.next } : {}), loadingMore: false } : s));
    } catch (error) {
      if (current !== generation.current) return;
      setState((s) => (s.kind === 'ready' ? { ...s, loadingMore: false, moreError: errorText(t, error) } : s));
    }
  }

  return (
    <section className="card card--padded" aria-labelledby="campaign-comments-title" data-testid="campaign-comments">
      <header className="engagement__head">
        <h2 id="campaign-comments-title">{t('comments.title')}</h2>
        <button type="button" className="button button--small" onClick={() => setReload((n) => n + 1)} data-testid="comments-refresh">
          {t('engagement.refresh')}
        </button>
      </header>
      <p className="field__hint">{t('comments.hint')}</p>
      {state.kind === 'loading' ? (
        <div className="state state--compact" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : state.kind === 'error' ? (
        <div className="state state--compact state--error" role="alert" data-testid="comments-error">
          <p>
            <strong>{t('comments.loadFailed')}</strong> {state.message}
          </p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      ) : state.items.length === 0 ? (
        <div className="state state--compact" data-testid="comments-empty">
          <p>{t('comments.empty')}</p>
        </div>
      ) : (
        <ol className="comments">
          {state.items.map((comment) => (
            <li key={comment.id} className="comment" data-testid="campaign-comment" data-comment-id={comment.id}>
              <div className="comment__head">
                <span className="comment__who">
                  {comment.name ? (
                    <>
                      {comment.name} <span className="muted">&lt;{comment.email}&gt;</span>
                    </>
                  ) : (
                    comment.email
                  )}
                </span>
                <time className="muted" dateTime={comment.at}>
                  {dateTime(comment.at)}
                </time>
                {comment.forwardedBy ? (
                  <span className="tag" data-testid="comment-forwarded-by">
                    {t('activity.forwardedBy', { from: comment.forwardedBy })}
                  </span>
                ) : null}
              </div>
              <p className="comment__text" data-testid="comment-text">
                {comment.text}
              </p>
            </li>
          ))}
        </ol>
      )}
      {state.kind === 'ready' && (state.next || state.moreError) ? (
        <div className="form-actions form-actions--start">
          {state.moreError ? (
            <span className="field__error" role="alert">
              {state.moreError}
            </span>
          ) : null}
          {state.next ? (
            <button type="button" className="button button--small" onClick={() => void loadMore()} disabled={state.loadingMore} data-testid="comments-load-more">
              {state.loadingMore ? t('engagement.loadingMore') : t('engagement.loadMore')}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
