/**
 * Tracking and engagement (OMICard 追蹤 / 忠誠度積分): a contact's counters and timeline, a
 * campaign's live counters and comments, and the workspace's score settings. The API shapes are
 * type-only from shared/engagement (erased from the bundle); the few lists the pages walk (event
 * types, scored types, machine reasons) are repeated here, and the checks below make the compiler
 * refuse a list that drifts from the API's. The pure helpers at the end (place, device, machine
 * reason, rates, settings checks) are what test/unit/console-engagement.test.ts exercises.
 */
import { type ApiClient, type Contact } from './api';
import { hrefOf } from './routing';
import type {
  CampaignComment,
  CampaignEngagement,
  ContactEngagement,
  DevicePart,
  EngagementSettings,
  GeoPlace,
  ScoredEventType,
  TimelineEntry,
} from '../../shared/engagement/model';
import type { LakeEventType } from '../../shared/lake/event';

export type { CampaignComment, CampaignEngagement, ContactEngagement, DevicePart, EngagementSettings, GeoPlace, LakeEventType, ScoredEventType, TimelineEntry };

/** Exactly the members of `U`, no more and no fewer: `true` when the list matches the union. */
type Exactly<L extends readonly unknown[], U> = [U] extends [L[number]] ? ([L[number]] extends [U] ? true : false) : false;
const same = <T extends true>(value: T) => value;

/** Every event a timeline may show (shared/lake/event.ts lakeEventTypes). */
export const timelineTypes = ['send', 'delivery', 'bounce', 'complaint', 'reject', 'open', 'click', 'page_view', 'unsubscribe', 'subscribe', 'forward', 'comment'] as const satisfies readonly LakeEventType[];
/** Events that move the score, in the order the settings page lists them (shared/engagement/model.ts). */
export const scoredEventTypes = ['open', 'click', 'page_view', 'forward', 'comment', 'unsubscribe', 'bounce', 'complaint'] as const satisfies readonly ScoredEventType[];

same<Exactly<typeof timelineTypes, LakeEventType>>(true);
same<Exactly<typeof scoredEventTypes, ScoredEventType>>(true);

/** The API's defaults (shared/engagement/model.ts defaultEngagementSettings; the unit test keeps them equal). */
export const defaultEngagementSettings: Pick<EngagementSettings, 'weights' | 'halfLifeDays'> = {
  weights: { open: 1, click: 3, page_view: 1, forward: 5, comment: 5, unsubscribe: -10, bounce: -5, complaint: -20 },
  halfLifeDays: 90,
};

/** What PUT /settings/engagement accepts. */
export const weightRange = { min: -100, max: 100 } as const;
export const halfLifeRange = { min: 1, max: 3650 } as const;

/**
 * Why tracking set an event apart as a machine's (the tracking enrichment's verdicts,
 * shared/tracking/enrich/machine.ts); an unknown reason is shown as the API words it.
 */
export const machineReasons = ['apple-mpp', 'mail-proxy-prefetch', 'security-scanner', 'bot-user-agent', 'no-user-agent', 'head-request', 'too-fast'] as const;
export type MachineReason = (typeof machineReasons)[number];

/**
 * The link merge tags every message may carry (besides the fields): each opens a page Pigeon hosts
 * for the recipient. The content form offers them and explains each.
 */
export const linkMergeTags = [
  { id: 'unsubscribe', tag: '{{ unsubscribe_url }}' },
  { id: 'forward', tag: '{{ forward_url }}' },
  { id: 'comment', tag: '{{ comment_url }}' },
  { id: 'subscribe', tag: '{{ subscribe_url }}' },
] as const;
export type LinkMergeTag = (typeof linkMergeTags)[number]['id'];

/** A cursor page as the engagement routes answer it (`next`, not `nextCursor`). */
export interface CursorPage<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** GET /contacts/{id}: the contact with its engagement counters. */
export type EngagedContact = Contact & { readonly engagement?: ContactEngagement };

export type EngagementSettingsInput = Pick<EngagementSettings, 'weights' | 'halfLifeDays'>;

export const pageLimit = 50;

const seg = (id: string) => encodeURIComponent(id);

function pageQuery(params: { cursor?: string; limit?: number }): string {
  const query = new URLSearchParams();
  if (params.cursor) query.set('cursor', params.cursor);
  query.set('limit', String(params.limit ?? pageLimit));
  return `?${query.toString()}`;
}

export function engagementApi(api: ApiClient) {
  const { request } = api;
  return {
    getContact: (id: string) => request<EngagedContact>('GET', `/contacts/${seg(id)}`),
    contactTimeline: (id: string, params: { cursor?: string; limit?: number } = {}) =>
      request<CursorPage<TimelineEntry>>('GET', `/contacts/${seg(id)}/timeline${pageQuery(params)}`),
    campaignEngagement: (id: string) => request<CampaignEngagement>('GET', `/campaigns/${seg(id)}/engagement`),
    campaignComments: (id: string, params: { cursor?: string; limit?: number } = {}) =>
      request<CursorPage<CampaignComment>>('GET', `/campaigns/${seg(id)}/comments${pageQuery(params)}`),
    getSettings: () => request<EngagementSettings>('GET', '/settings/engagement'),
    putSettings: (settings: EngagementSettingsInput) => request<EngagementSettings>('PUT', '/settings/engagement', { body: settings }),
  };
}

export type EngagementApi = ReturnType<typeof engagementApi>;

// ---- pure helpers --------------------------------------------------------------------------------

/** `#/campaigns/<id>`: the campaign page (CampaignDetail), without loading its code here. */
export const campaignLink = (id: string) => `${hrefOf('campaigns')}/${encodeURIComponent(id)}`;

/**
 * City, region, country, each once (`Taipei, Taipei` reads as one place). A two-letter country code
 * is named by `countryName` (Intl.DisplayNames in the page) when given.
 */
export function placeText(geo: GeoPlace | undefined, countryName?: (code: string) => string | undefined): string | undefined {
  if (!geo) return undefined;
  const country = geo.country && /^[A-Za-z]{2}$/.test(geo.country) ? (countryName?.(geo.country.toUpperCase()) ?? geo.country) : geo.country;
  const parts: string[] = [];
  for (const part of [geo.city, geo.region, country]) {
    const text = part?.trim();
    if (text && !parts.some((p) => p.toLowerCase() === text.toLowerCase())) parts.push(text);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** `iOS · Apple Mail`; the device type alone when neither is known. */
export function deviceText(device: DevicePart | undefined): string | undefined {
  if (!device) return undefined;
  const parts = [device.os, device.client].map((p) => p?.trim()).filter((p): p is string => !!p);
  if (parts.length > 0) return parts.join(' · ');
  return device.deviceType?.trim() || undefined;
}

/** The reason's own wording when the console has one, else undefined (the page shows the raw reason). */
export function machineReasonOf(reason: string | undefined): MachineReason | undefined {
  if (!reason) return undefined;
  const normal = reason.trim().toLowerCase();
  return (machineReasons as readonly string[]).includes(normal) ? (normal as MachineReason) : undefined;
}

/** `part / base`, or undefined when there is no base to speak of. */
export function rate(part: number, base: number): number | undefined {
  return base > 0 && Number.isFinite(part) ? part / base : undefined;
}

/** What the rates are measured against: delivered, or sent while no delivery has been reported yet. */
export function rateBase(engagement: Pick<CampaignEngagement, 'delivered' | 'sent'>): number {
  return engagement.delivered > 0 ? engagement.delivered : engagement.sent;
}

export interface CampaignRates {
  readonly open?: number;
  readonly click?: number;
  /** Unique clickers among unique openers. */
  readonly clickToOpen?: number;
  readonly unsubscribe?: number;
  /** Bounced among sent (a bounce never counts as delivered). */
  readonly bounce?: number;
  readonly complaint?: number;
}

/** The campaign's rates over human activity only (machine opens and clicks are apart). */
export function campaignRates(engagement: CampaignEngagement): CampaignRates {
  const base = rateBase(engagement);
  return {
    open: rate(engagement.opens.unique, base),
    click: rate(engagement.clicks.unique, base),
    clickToOpen: rate(engagement.clicks.unique, engagement.opens.unique),
    unsubscribe: rate(engagement.unsubscribes, base),
    bounce: rate(engagement.bounced, engagement.sent),
    complaint: rate(engagement.complained, base),
  };
}

/** `42.3%` in the console's language; a dash when there is no rate. */
export function percentText(value: number | undefined, locale: string, none = '—'): string {
  if (value === undefined || !Number.isFinite(value)) return none;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

/** The settings form: inputs hold text, so a half-typed "-" is kept until saved. */
export interface SettingsForm {
  weights: Record<ScoredEventType, string>;
  halfLifeDays: string;
}

export function settingsFormOf(settings: Pick<EngagementSettings, 'weights' | 'halfLifeDays'>): SettingsForm {
  const weights = {} as Record<ScoredEventType, string>;
  for (const type of scoredEventTypes) weights[type] = String(settings.weights[type] ?? 0);
  return { weights, halfLifeDays: String(settings.halfLifeDays) };
}

/** Why a value cannot be sent: not a whole number, or outside its range. */
export type SettingsProblem = 'integer' | 'range';

function integerProblem(text: string, range: { min: number; max: number }): SettingsProblem | undefined {
  const trimmed = text.trim();
  if (!/^[-+−]?\d+$/.test(trimmed)) return 'integer';
  const value = Number(trimmed.replace('−', '-'));
  return value < range.min || value > range.max ? 'range' : undefined;
}

/** Problems by the API's field names (`weights.open`, `halfLifeDays`), so they sit where the API's would. */
export function settingsProblems(form: SettingsForm): Partial<Record<string, SettingsProblem>> {
  const problems: Partial<Record<string, SettingsProblem>> = {};
  for (const type of scoredEventTypes) {
    const problem = integerProblem(form.weights[type], weightRange);
    if (problem) problems[`weights.${type}`] = problem;
  }
  const halfLife = integerProblem(form.halfLifeDays, halfLifeRange);
  if (halfLife) problems.halfLifeDays = halfLife;
  return problems;
}

/** The body of PUT /settings/engagement (call only when settingsProblems found none). */
export function settingsInputOf(form: SettingsForm): EngagementSettingsInput {
  const weights = {} as Record<ScoredEventType, number>;
  for (const type of scoredEventTypes) weights[type] = Number(form.weights[type].trim().replace('−', '-'));
  return { weights, halfLifeDays: Number(form.halfLifeDays.trim()) };
}

/**
 * What an event scored `days` ago counts now: weight × 0.5^(days / half-life), the settings page's
 * worked example.
 */
export function decayedPoints(weight: number, days: number, halfLifeDays: number): number {
  if (halfLifeDays <= 0) return weight;
  return weight * 0.5 ** (days / halfLifeDays);
}

/** Merges a further page into what is shown, dropping an entry the first page already had. */
export function appendPage<T extends { readonly id: string }>(shown: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(shown.map((item) => item.id));
  return [...shown, ...page.filter((item) => !seen.has(item.id))];
}
