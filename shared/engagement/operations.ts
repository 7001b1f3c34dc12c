/**
 * Engagement over the API: a contact's timeline (互動紀錄), a campaign's live counters (成效) and
 * comments (留言), and the workspace's loyalty score settings (互動積分設定, admins change them).
 * Access follows the contact's and the campaign's own visibility rules.
 */
import { z } from 'zod';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { campaignStoreFromEnv } from '../adapters/aws/campaign-store.dynamodb';
import { engagementStoreFromEnv } from '../adapters/aws/engagement-store.dynamodb';
import { visibleCampaign } from '../campaigns/campaigns';
import type { CampaignStore } from '../campaigns/ports';
import { getContact, type ContactDeps } from '../contacts/contacts';
import { ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import { principalOf } from '../http/router';
import { scoredEventTypes, type EngagementSettings } from './model';
import type { EngagementStore } from './ports';

export type EngagementOperationId = Extract<OperationId, 'getContactTimeline' | 'getCampaignEngagement' | 'listCampaignComments' | 'getEngagementSettings' | 'putEngagementSettings'>;

const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(600).optional(),
});

const weight = z.number().int().min(-100).max(100);
export const engagementSettingsSchema = z
  .object({
    weights: z.object(Object.fromEntries(scoredEventTypes.map((type) => [type, weight])) as Record<(typeof scoredEventTypes)[number], typeof weight>).strict(),
    halfLifeDays: z.number().int().min(1).max(3650),
  })
  .strict()
  .meta({ description: 'Loyalty score: points per human event of each type, and the half-life in days after which points count half' });

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string, root: 'body' | 'query'): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(`Invalid ${what}`, fieldErrorsOf(parsed.error, root));
  return parsed.data;
}

export interface EngagementOperationDeps {
  readonly contacts: ContactDeps;
  readonly store?: () => EngagementStore;
  readonly campaigns?: () => CampaignStore;
}

export function createEngagementOperations(deps: EngagementOperationDeps): Record<EngagementOperationId, Operation> {
  const store = deps.store ?? engagementStoreFromEnv;
  const campaigns = deps.campaigns ?? campaignStoreFromEnv;
  const campaignOf = (request: OperationRequest) => visibleCampaign({ campaigns: campaigns() }, principalOf(request), request.pathParameters.id ?? '');
  return {
    getContactTimeline: async (request) => {
      const principal = principalOf(request);
      const query = parse(pageQuerySchema, request.query, 'query', 'query');
      const contact = await getContact(deps.contacts, principal, request.pathParameters.id ?? '');
      if (!contact.email) return { status: 200, body: { items: [] } };
      const page = await store().listTimeline(principal.workspaceId, contact.email, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      // Campaign names for the rows, read once per campaign on the page.
      const names = new Map<string, string | undefined>();
      for (const id of new Set(page.items.flatMap((entry) => (entry.campaignId ? [entry.campaignId] : [])))) {
        names.set(id, (await campaigns().getCampaign(principal.workspaceId, id))?.name);
      }
      const items = page.items.map((entry) => {
        const name = entry.campaignId ? names.get(entry.campaignId) : undefined;
        return name ? { ...entry, campaignName: name } : entry;
      });
      return { status: 200, body: { items, ...(page.next ? { next: page.next } : {}) } };
    },
    getCampaignEngagement: async (request) => {
      const campaign = await campaignOf(request);
      return { status: 200, body: await store().getCampaign(campaign.workspaceId, campaign.id) };
    },
    listCampaignComments: async (request) => {
      const query = parse(pageQuerySchema, request.query, 'query', 'query');
      const campaign = await campaignOf(request);
      const page = await store().listComments(campaign.workspaceId, campaign.id, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return { status: 200, body: page };
    },
    getEngagementSettings: async (request) => ({ status: 200, body: await store().getSettings(principalOf(request).workspaceId) }),
    putEngagementSettings: async (request) => {
      const principal = principalOf(request);
      const input = parse(engagementSettingsSchema, request.body, 'engagement settings', 'body');
      const settings: EngagementSettings = { ...input, updatedAt: new Date().toISOString(), updatedBy: principal.id };
      await store().putSettings(principal.workspaceId, settings);
      return { status: 200, body: settings };
    },
  };
}
