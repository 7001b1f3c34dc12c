/**
 * Engagement: what recipients did with a campaign (OMICard 追蹤 / 忠誠度積分), as the API shows it.
 * Every tracked action is first an event in the lake (lake/event.ts); the projector derives the
 * contact's counters and score, the campaign's counters, the recipient timeline and the comment
 * list from the lake's files.
 */
import type { LakeEventType } from '../lake/event';

/** Event types that move the loyalty score (negative weights lower it). */
export const scoredEventTypes = ['open', 'click', 'page_view', 'forward', 'comment', 'unsubscribe', 'bounce', 'complaint'] as const;
export type ScoredEventType = (typeof scoredEventTypes)[number];

export interface EngagementSettings {
  /** Points per human event of each type (machine opens and clicks score nothing). */
  readonly weights: Readonly<Record<ScoredEventType, number>>;
  /** Days after which an event's points count half (exponential decay). */
  readonly halfLifeDays: number;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

export const defaultEngagementSettings: EngagementSettings = {
  weights: { open: 1, click: 3, page_view: 1, forward: 5, comment: 5, unsubscribe: -10, bounce: -5, complaint: -20 },
  halfLifeDays: 90,
};

export interface GeoPlace {
  readonly country?: string;
  readonly region?: string;
  readonly city?: string;
}

export interface DevicePart {
  readonly os?: string;
  readonly client?: string;
  readonly deviceType?: string;
}

/** One row of a recipient's timeline (newest first). */
export interface TimelineEntry {
  readonly id: string;
  readonly type: LakeEventType;
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly campaignId?: string;
  readonly campaignName?: string;
  readonly runId?: string;
  /** Clicked link or viewed page. */
  readonly url?: string;
  readonly linkIndex?: number;
  readonly geo?: GeoPlace;
  readonly device?: DevicePart;
  /** Machine activity (mail privacy proxies, link scanners): shown apart, never in human figures. */
  readonly machine?: boolean;
  readonly machineReason?: string;
  /** Forward: the friends' addresses (forwarder's timeline) or who forwarded to this recipient. */
  readonly forwardedTo?: readonly string[];
  readonly forwardedBy?: string;
  /** Comment text; unsubscribe scope ('all' or category ids); bounce / failure reason. */
  readonly text?: string;
  readonly categories?: readonly string[];
  readonly reason?: string;
}

/** Live counters of a campaign across its runs (the reports give exact, per-run figures). */
export interface CampaignEngagement {
  readonly campaignId: string;
  readonly sent: number;
  readonly delivered: number;
  readonly bounced: number;
  readonly complained: number;
  readonly opens: { readonly total: number; readonly unique: number; readonly machine: number };
  readonly clicks: { readonly total: number; readonly unique: number; readonly machine: number };
  readonly pageViews: number;
  readonly unsubscribes: number;
  readonly forwards: number;
  readonly comments: number;
  readonly lastActivityAt?: string;
}

export interface CampaignComment {
  readonly id: string;
  readonly at: string;
  readonly runId: string;
  readonly email: string;
  readonly name?: string;
  readonly text: string;
  /** Shown with the forwarded recipient's lineage when a friend commented. */
  readonly forwardedBy?: string;
}

/** The engagement part of a contact (GET /contacts/{id} → `engagement`). */
export interface ContactEngagement {
  readonly opens: number;
  readonly clicks: number;
  readonly pageViews: number;
  readonly forwards: number;
  readonly comments: number;
  readonly lastOpenAt?: string;
  readonly lastClickAt?: string;
  readonly lastActivityAt?: string;
}
