/**
 * Per-recipient preview (POST /campaigns/{id}/preview): the campaign's current content compiled
 * and rendered exactly as the mail worker will (the content module's compileMessage /
 * renderMessage), for a contact, for typed merge fields, or for sample fields, with the pre-send
 * check's findings.
 */
import type { Principal } from '../api/operation';
import type { FrozenRecipient } from '../audience/types';
import type { CompileContext, PresendFinding, RenderExtras, RenderedMessage } from '../content/render-types';
import { NotFoundError } from '../errors';
import type { BlobStore } from '../ports/blob-store';
import { ServiceUnavailableError } from './errors';
import type { CampaignContent } from './model';
import { previewRequestSchema, parseInput } from './schemas';
import { visibleCampaign, type CampaignDeps } from './campaigns';

/** The content module's functions, bound to the assets the API can reach. */
export interface CampaignRenderer {
  readonly assetsBaseUrl: string;
  readAsset(key: string): Promise<Uint8Array>;
  compileMessage(content: CampaignContent, ctx: CompileContext): unknown;
  renderMessage(compiled: never, recipient: FrozenRecipient, extras: RenderExtras): Promise<RenderedMessage>;
  presendCheck(content: CampaignContent, ctx: CompileContext): readonly PresendFinding[] | Promise<readonly PresendFinding[]>;
}

/** The content module's three functions, as its contract names them. */
export type ContentFunctions = Pick<CampaignRenderer, 'compileMessage' | 'renderMessage' | 'presendCheck'>;

/** Binds the content functions to the assets bucket (attachments) and its public base URL (images, links). */
export function campaignRenderer(content: ContentFunctions, assets: { readonly baseUrl: string; readonly store: BlobStore }): CampaignRenderer {
  return {
    assetsBaseUrl: assets.baseUrl,
    readAsset: async (key) => {
      const bytes = await assets.store.get(key);
      if (!bytes) throw new NotFoundError(`No asset ${key}`);
      return bytes;
    },
    compileMessage: (c, ctx) => content.compileMessage(c, ctx),
    renderMessage: (compiled, recipient, extras) => content.renderMessage(compiled, recipient, extras),
    presendCheck: (c, ctx) => content.presendCheck(c, ctx),
  };
}

/** Reads a contact as merge fields (the contacts module's getContact, visibility applied). */
export type ContactLookup = (principal: Principal, contactId: string) => Promise<Readonly<Record<string, unknown>> & { email?: string }>;

export interface PreviewResult {
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly charset: string;
  readonly html: string;
  readonly text: string;
  readonly attachmentNames: readonly string[];
  readonly sizeBytes: number;
  readonly findings: readonly PresendFinding[];
}

const sampleFields = { email: 'preview@example.com', name: '預覽 Preview' };

export async function previewCampaign(deps: CampaignDeps, lookup: ContactLookup | undefined, principal: Principal, id: string, body: unknown): Promise<PreviewResult> {
  const input = parseInput(previewRequestSchema, body, 'preview', false);
  const campaign = await visibleCampaign(deps, principal, id);
  const renderer = deps.renderer;
  if (!renderer) throw new ServiceUnavailableError('Preview is not available: no renderer is configured');
  let fields: Record<string, unknown> = { ...sampleFields };
  let contactId: string | undefined;
  if (input.contactId) {
    if (!lookup) throw new ServiceUnavailableError('Preview for a contact is not available here');
    fields = { ...(await lookup(principal, input.contactId)) };
    contactId = input.contactId;
  } else if (input.fields || input.email) {
    fields = { ...(input.fields ?? {}), email: input.email ?? (typeof input.fields?.email === 'string' ? input.fields.email : sampleFields.email) };
  }
  const recipient: FrozenRecipient = { email: String(fields.email ?? sampleFields.email).toLowerCase(), ...(contactId ? { contactId } : {}), fields };
  const ctx: CompileContext = { workspaceId: principal.workspaceId, campaignId: campaign.id, runId: 'preview', assetsBaseUrl: renderer.assetsBaseUrl, readAsset: (key) => renderer.readAsset(key) };
  const compiled = renderer.compileMessage(campaign.content, ctx);
  const [message, findings] = await Promise.all([renderer.renderMessage(compiled as never, recipient, { date: deps.clock.now() }), renderer.presendCheck(campaign.content, ctx)]);
  return {
    subject: message.subject,
    from: message.from,
    to: message.to,
    charset: message.charset,
    html: message.html,
    text: message.text,
    attachmentNames: message.attachmentNames,
    sizeBytes: message.sizeBytes,
    findings,
  };
}
