/**
 * 互動紀錄 (a contact's activity): the engagement counters of GET /contacts/{id} (opens, clicks,
 * page views, forwards, comments, last activity, score) and the timeline of GET
 * /contacts/{id}/timeline, newest first, 50 at a time. Each entry gives its time, what happened,
 * the campaign (a link to it), the URL clicked or page viewed, place, device, forward lineage and
 * comment text. Machine activity (privacy proxies, link scanners) is greyed, badged with its
 * reason and can be hidden: it never counts in the figures. Shown in the contact's edit dialog and,
 * for every role, in its own dialog from the contact list.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { type ApiClient, type Contact } from '../api';
import {
  appendPage,
  campaignLink,
  deviceText,
  engagementApi,
  machineReasonOf,
  placeText,
  type EngagedContact,
  type TimelineEntry,
} from '../engagement-api';
import { errorText, useDateFormat } from '../format';
import { useI18n } from '../i18n/I18nProvider';
import { type Definitions } from '../use-definitions';
import { Counts } from './jobs';
import { Modal } from './Modal';
import '../engagement.css';

type Counters = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; contact: EngagedContact };
type Timeline =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; items: TimelineEntry[]; next?: string; loadingMore: boolean; moreError?: string };

/** Types that speak of trouble, and the delivery bookkeeping that is only context. */
const badTypes: readonly TimelineEntry['type'][] = ['bounce', 'complaint', 'reject', 'unsubscribe'];
const quietTypes: readonly TimelineEntry['type'][] = ['send', 'delivery'];

/** A country code's name in the console's language (`TW` → 臺灣 / Taiwan). */
function useCountryName(): (code: string) => string | undefined {
  const { locale } = useI18n();
  return useMemo(() => {
    try {
      const names = new Intl.DisplayNames([locale], { type: 'region' });
      return (code: string) => {
        try {
          return names.of(code);
        } catch {
          return undefined;
        }
      };
    } catch {
      return () => undefined;
    }
  }, [locale]);
}

/** Only web addresses become links; anything else is shown as text. */
const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

export function ContactActivity({ api, contactId, defs }: { api: ApiClient; contactId: string; defs?: Definitions }) {
  const { t } = useI18n();
  const titleId = useId();
  const { dateTime } = useDateFormat();
  const engagement = useMemo(() => engagementApi(api), [api]);
  const [counters, setCounters] = useState<Counters>({ kind: 'loading' });
  const [timeline, setTimeline] = useState<Timeline>({ kind: 'loading' });
  const [showMachine, setShowMachine] = useState(true);
  const [reload, setReload] = useState(0);
  // A "load more" answer for a contact no longer shown must not land.
  const generation = useRef(0);

  useEffect(() => {
    let live = true;
    const current = ++generation.current;
    setCounters({ kind: 'loading' });
    setTimeline({ kind: 'loading' });
    engagement.getContact(contactId).then(
      (contact) => live && setCounters({ kind: 'ready', contact }),
      (error: unknown) => live && setCounters({ kind: 'error', message: errorText(t, error) }),
    );
    engagement.contactTimeline(contactId).then(
      (page) => live && current === generation.current && setTimeline({ kind: 'ready', items: [...page.items], ...(page.next ? { next: page.next } : {}), loadingMore: false }),
      (error: unknown) => live && setTimeline({ kind: 'error', message: errorText(t, error) }),
    );
    return () => {
      live = false;
    };
    // Not keyed on t: a language switch must not re-fetch.
  }, [engagement, contactId, reload]);

  async function loadMore() {
    if (timeline.kind !== 'ready' || !timeline.next) return;
    const current = generation.current;
    setTimeline({ ...timeline, loadingMore: true, moreError: undefined });
    try {
      const page = await engagement.contactTimeline(contactId, { cursor: timeline.next });
      if (current !== generation.current) return;
      setTimeline((state) =>
        state.kind === 'ready' ? { kind: 'ready', items: appendPage(state.items, page.items), ...(page.next ? { next: page.next } : {}), loadingMore: false } : state,
      );
    } catch (error) {
      if (current !== generation.current) return;
      setTimeline((state) => (state.kind === 'ready' ? { ...state, loadingMore: false, moreError: errorText(t, error) } : state));
    }
  }

  const machineCount = timeline.kind === 'ready' ? timeline.items.filter((entry) => entry.machine).length : 0;
  const shown = timeline.kind === 'ready' ? timeline.items.filter((entry) => showMachine || !entry.machine) : [];
  const e = counters.kind === 'ready' ? counters.contact.engagement : undefined;
  const when = (iso: string | undefined) => (iso ? dateTime(iso) : t('activity.never'));

  return (
    <section className="activity" aria-labelledby={titleId} data-testid="contact-timeline" data-contact-id={contactId}>
      <div className="activity__head">
        <h3 className="form-section" id={titleId}>
          {t('activity.title')}
        </h3>
        <p className="field__hint">{t('activity.hint')}</p>
      </div>

      {counters.kind === 'loading' ? null : counters.kind === 'error' ? (
        <p className="notice notice--error" role="alert" data-testid="activity-counters-error">
          {t('activity.countersFailed')} {counters.message}
        </p>
      ) : (
        <div data-testid="contact-engagement">
          <Counts
            items={[
              { key: 'activity-opens', label: t('activity.opens'), value: e?.opens ?? 0 },
              { key: 'activity-clicks', label: t('activity.clicks'), value: e?.clicks ?? 0 },
              { key: 'activity-page-views', label: t('activity.pageViews'), value: e?.pageViews ?? 0 },
              { key: 'activity-forwards', label: t('activity.forwards'), value: e?.forwards ?? 0 },
              { key: 'activity-comments', label: t('activity.comments'), value: e?.comments ?? 0 },
              { key: 'activity-score', label: t('catalog.field.score'), value: counters.contact.score, tone: counters.contact.score > 0 ? 'good' : undefined },
            ]}
          />
          <dl className="facts">
            <div>
              <dt>{t('activity.lastActivity')}</dt>
              <dd data-testid="activity-last">{when(e?.lastActivityAt)}</dd>
            </div>
            <div>
              <dt>{t('activity.lastOpen')}</dt>
              <dd>{when(e?.lastOpenAt)}</dd>
            </div>
            <div>
              <dt>{t('activity.lastClick')}</dt>
              <dd>{when(e?.lastClickAt)}</dd>
            </div>
          </dl>
        </div>
      )}

      {timeline.kind === 'loading' ? (
        <div className="state" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      ) : timeline.kind === 'error' ? (
        <div className="state state--error" role="alert" data-testid="timeline-error">
          <p>
            <strong>{t('activity.loadFailed')}</strong> {timeline.message}
          </p>
          <button type="button" className="button button--small" onClick={() => setReload((n) => n + 1)}>
            {t('common.retry')}
          </button>
        </div>
      ) : timeline.items.length === 0 ? (
        <div className="state" data-testid="timeline-empty">
          <p>
            <strong>{t('activity.empty')}</strong>
          </p>
          <p className="muted">{t('activity.emptyHint')}</p>
        </div>
      ) : (
        <>
          {machineCount > 0 ? (
            <div className="activity__toolbar">
              <label className="choice">
                <input type="checkbox" checked={showMachine} onChange={(event) => setShowMachine(event.target.checked)} data-testid="timeline-show-machine" />
                {t('activity.showMachine')}
              </label>
              {!showMachine ? <span className="muted">{t('activity.hiddenMachine', { count: machineCount })}</span> : null}
            </div>
          ) : null}
          <ol className="timeline" data-testid="timeline">
            {shown.map((entry) => (
              <TimelineItem key={entry.id} entry={entry} defs={defs} />
            ))}
          </ol>
        </>
      )}
      {timeline.kind === 'ready' && (timeline.next || timeline.moreError) ? (
        <div className="form-actions form-actions--start">
          {timeline.moreError ? (
            <span className="field__error" role="alert">
              {timeline.moreError}
            </span>
          ) : null}
          {timeline.next ? (
            <button type="button" className="button button--small" onClick={() => void loadMore()} disabled={timeline.loadingMore} data-testid="timeline-load-more">
              {timeline.loadingMore ? t('engagement.loadingMore') : t('engagement.loadMore')}
            </button>
          ) : null}
        </div>
      ) : null}
      {/* The GeoIP data's licence (CC BY 4.0) asks for this credit wherever places are shown. */}
      <p className="muted activity__credit" data-testid="geoip-credit">
        <a href="https://db-ip.com" target="_blank" rel="noreferrer">
          {t('activity.geoCredit')}
        </a>
      </p>
    </section>
  );
}

function TimelineItem({ entry, defs }: { entry: TimelineEntry; defs?: Definitions }) {
  const { t } = useI18n();
  const { dateTime } = useDateFormat();
  const countryName = useCountryName();
  const place = placeText(entry.geo, countryName);
  const device = deviceText(entry.device);
  const known = machineReasonOf(entry.machineReason);
  const reason = known ? t(`machineReason.${known}`) : (entry.machineReason ?? t('machineReason.other'));
  const tone = entry.machine ? ' timeline__entry--machine' : badTypes.includes(entry.type) ? ' timeline__entry--bad' : quietTypes.includes(entry.type) ? ' timeline__entry--quiet' : '';
  const categoryName = (id: string) => defs?.categories.find((c) => c.id === id)?.name ?? id;
  const categories = entry.categories && entry.categories.length > 0 && !entry.categories.includes('all') ? entry.categories.map(categoryName).join('、') : undefined;
  const scoped = entry.type === 'unsubscribe' || entry.type === 'subscribe';

  return (
    <li className={`timeline__entry${tone}`} data-testid="timeline-entry" data-type={entry.type} data-machine={entry.machine ? 'true' : undefined} data-entry-id={entry.id}>
      <div className="timeline__head">
        <time className="timeline__time" dateTime={entry.at}>
          {dateTime(entry.at)}
        </time>
        <span className="timeline__type" data-testid="timeline-type">
          {t(`timelineType.${entry.type}`)}
        </span>
        {entry.machine ? (
          <span className="badge badge--machine" title={t('activity.machineTitle', { reason })} data-testid="timeline-machine" data-reason={entry.machineReason}>
            {t('activity.machine')} · {reason}
          </span>
        ) : null}
        {entry.campaignId ? (
          <a className="timeline__campaign" href={campaignLink(entry.campaignId)} data-testid="timeline-campaign">
            {entry.campaignName ?? entry.campaignId}
          </a>
        ) : entry.campaignName ? (
          <span className="timeline__campaign">{entry.campaignName}</span>
        ) : null}
      </div>
      {entry.url ? (
        <p className="timeline__detail" data-testid="timeline-url">
          {isWebUrl(entry.url) ? (
            <a className="timeline__url" href={entry.url} target="_blank" rel="noopener noreferrer">
              {entry.url}
            </a>
          ) : (
            <span className="timeline__url">{entry.url}</span>
          )}
        </p>
      ) : null}
      {place || device ? (
        <p className="timeline__detail">
          {place ? (
            <span data-testid="timeline-place">
              <span className="visually-hidden">{t('activity.place')}: </span>
              {place}
            </span>
          ) : null}
          {place && device ? ' · ' : null}
          {device ? (
            <span data-testid="timeline-device">
              <span className="visually-hidden">{t('activity.device')}: </span>
              {device}
            </span>
          ) : null}
        </p>
      ) : null}
      {entry.forwardedTo && entry.forwardedTo.length > 0 ? (
        <p className="timeline__detail" data-testid="timeline-forwarded-to">
          {t('activity.forwardedTo', { to: entry.forwardedTo.join(', ') })}
        </p>
      ) : null}
      {entry.forwardedBy ? (
        <p className="timeline__detail" data-testid="timeline-forwarded-by">
          {t('activity.forwardedBy', { from: entry.forwardedBy })}
        </p>
      ) : null}
      {scoped && entry.categories ? (
        <p className="timeline__detail" data-testid="timeline-categories">
          {categories ? t('activity.categories', { categories }) : t('activity.unsubscribedAll')}
        </p>
      ) : null}
      {entry.reason ? (
        <p className="timeline__detail" data-testid="timeline-reason">
          {t('activity.reason', { reason: entry.reason })}
        </p>
      ) : null}
      {entry.text && entry.type === 'comment' ? (
        <blockquote className="timeline__text" data-testid="timeline-text">
          {entry.text}
        </blockquote>
      ) : entry.text && scoped && !entry.categories ? (
        <p className="timeline__detail">{entry.text === 'all' ? t('activity.unsubscribedAll') : t('activity.categories', { categories: entry.text })}</p>
      ) : entry.text ? (
        <p className="timeline__detail">{entry.text}</p>
      ) : null}
    </li>
  );
}

/** The activity on its own, for every role (viewers have no edit dialog), from the contact list. */
export function ContactActivityDialog({ api, contact, name, defs, onClose }: { api: ApiClient; contact: Contact; name: string; defs?: Definitions; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal
      title={t('activity.dialogTitle', { name })}
      onClose={onClose}
      testId="contact-activity-dialog"
      footer={
        <button type="button" className="button" onClick={onClose} autoFocus>
          {t('common.close')}
        </button>
      }
    >
      <ContactActivity api={api} contactId={contact.id} defs={defs} />
    </Modal>
  );
}
