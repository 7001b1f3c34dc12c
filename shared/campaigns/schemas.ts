/** What the campaign routes accept (zod; problems name each offending field) and return. */
import { z } from 'zod';
import { roles } from '../auth/roles';
import { ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import { ruleTreeSchema } from '../segments/rules';
import { campaignStatuses, campaignTypes, mailCharsets, runStatuses } from './model';

/** A test run's audience limit (OMICard: a test goes to at most 10 people). */
export const maxTestRecipients = 10;
export const maxListLines = 10_000;

const id = z.string().trim().min(1).max(128);
const email = z.email({ message: 'Must be an e-mail address' });

const attachmentSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    key: z.string().min(1).max(1024),
    name: z.string().min(1).max(255),
    contentType: z.string().min(1).max(255),
    size: z.number().int().min(0),
    asLink: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('pdf'), name: z.string().min(1).max(255), template: z.string().min(1).max(200_000), passwordField: z.string().max(100).optional() }),
]);

export const contentSchema = z
  .strictObject({
    subject: z.string().trim().min(1, { message: 'Must not be empty' }).max(998),
    preheader: z.string().max(500).optional(),
    fromName: z.string().max(200).optional(),
    fromEmail: email,
    replyTo: z.array(email).max(5).optional(),
    toName: z.string().max(200).optional(),
    html: z.string().max(300_000),
    text: z.string().max(300_000).optional(),
    charset: z.enum(mailCharsets).default('UTF-8'),
    attachments: z.array(attachmentSchema).max(20).default([]),
    assetsPrefix: z.string().max(1024).optional(),
    source: z.enum(['editor', 'html', 'zip', 'docx']).optional(),
  })
  .meta({ description: 'Subject, sender and body; every text is a LiquidJS template over the recipient\'s fields' });

const previous = z.enum(['all', 'openers', 'clickers', 'nonOpeners', 'failed']);

const sourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('list'), lines: z.array(z.string().max(1000)).min(1).max(maxListLines) }),
  z.strictObject({ kind: z.literal('upload'), key: z.string().min(1).max(1024), fileName: z.string().min(1).max(255) }),
  z.strictObject({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/, message: 'Must be an http(s) URL' }).max(2048) }),
  z.strictObject({ kind: z.literal('groups'), groupIds: z.array(id).min(1).max(100) }),
  z.strictObject({ kind: z.literal('categories'), categoryIds: z.array(id).min(1).max(100) }),
  z.strictObject({ kind: z.literal('campaign'), campaignId: id, runId: id.optional(), who: previous }),
  z.strictObject({ kind: z.literal('segment'), segmentId: id }),
  z.strictObject({ kind: z.literal('query'), rules: ruleTreeSchema }),
]);

export const audienceSchema = z
  .strictObject({ sources: z.array(sourceSchema).max(20).default([]), exclusions: z.array(sourceSchema).max(20).default([]) })
  .meta({ description: 'Who receives it: any of the eight sources, minus the exclusions' });

export const scheduleSchema = z
  .strictObject({
    expression: z.string().trim().min(1).max(200).meta({ description: '`at(2026-12-04T09:00:00)` (once) or `cron(0 9 * * ? *)` (recurring)' }),
    timezone: z.string().min(1).max(64).default('Asia/Taipei'),
  })
  .meta({ description: 'When to send, in EventBridge Scheduler expressions' });

const name = z.string().trim().min(1, { message: 'Must not be empty' }).max(200);

export const createCampaignSchema = z
  .strictObject({
    name,
    type: z.enum(campaignTypes).default('formal'),
    content: contentSchema,
    audience: audienceSchema.default({ sources: [], exclusions: [] }),
    schedule: scheduleSchema.optional(),
  })
  .meta({ description: 'A new campaign (a draft)' });

export const updateCampaignSchema = z
  .strictObject({
    name: name.optional(),
    type: z.enum(campaignTypes).optional(),
    content: contentSchema.optional(),
    audience: audienceSchema.optional(),
    schedule: scheduleSchema.nullable().optional(),
  })
  .meta({ description: 'Fields to change (content and audience are replaced whole); null clears the schedule' });

export const decisionSchema = z.strictObject({ comment: z.string().trim().max(2000).optional() }).meta({ description: 'An optional comment' });
export const rejectSchema = z
  .strictObject({ comment: z.string().trim().min(1, { message: 'A rejection needs a comment' }).max(2000) })
  .meta({ description: 'Why the campaign is rejected (required)' });

export const launchSchema = z.strictObject({ schedule: scheduleSchema.optional() }).meta({ description: 'Send now, or at / every the schedule' });
export const resendSchema = z
  .strictObject({ who: previous.default('all') })
  .meta({ description: 'A new run to the last run\'s recipients: all, those who did not open, opened, clicked, or whose delivery failed' });
export const testSendSchema = z
  .strictObject({
    lines: z
      .array(z.string().trim().min(1).max(1000))
      .min(1, { message: 'At least one recipient' })
      .max(maxTestRecipients, { message: `A test goes to at most ${maxTestRecipients} recipients` }),
  })
  .meta({ description: `Up to ${maxTestRecipients} recipients, \`email\` or \`email,name\` each` });
export const triggerSchema = z
  .strictObject({
    email,
    fields: z
      .record(z.string().regex(/^[\p{L}\p{N}_.-]{1,64}$/u, { message: 'Field names: letters, digits, _ . - (custom fields as custom.<name>)' }), z.union([z.string().max(2000), z.number(), z.boolean()]))
      .refine((fields) => Object.keys(fields).length <= 100, { message: 'At most 100 fields' })
      .optional(),
  })
  .meta({ description: 'One recipient for a triggered campaign, with merge fields for this send (e.g. name, custom.order_no)' });
export const previewRequestSchema = z
  .strictObject({ contactId: id.optional(), email: email.optional(), fields: z.record(z.string(), z.unknown()).optional() })
  .meta({ description: 'Render for a contact, or for the given merge fields (both empty: sample fields)' });

export const approvalSettingsSchema = z
  .strictObject({
    rolesRequiringApproval: z.array(z.enum(roles)).max(4).default([]),
    mode: z.enum(['sequential', 'parallel']).default('sequential'),
    approverIds: z.array(id).max(20).default([]),
  })
  .refine((s) => s.rolesRequiringApproval.length === 0 || s.approverIds.length > 0, { message: 'Name at least one approver', path: ['approverIds'] })
  .meta({ description: 'Which launchers need sign-off, in sequence (層簽) or in parallel (會簽), and by whom' });

export const listCampaignsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(campaignStatuses).optional(),
});

const auditSchema = z.object({ at: z.string(), by: z.string(), action: z.string(), from: z.string().optional(), to: z.string().optional(), comment: z.string().optional() });

export const campaignSchema = z
  .object({
    id: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    type: z.enum(campaignTypes),
    status: z.enum(campaignStatuses),
    content: contentSchema,
    audience: audienceSchema,
    schedule: scheduleSchema.optional(),
    approval: z
      .object({
        mode: z.enum(['sequential', 'parallel']),
        steps: z.array(z.object({ approverId: z.string(), decision: z.enum(['approved', 'rejected']).optional(), at: z.string().optional(), comment: z.string().optional() })),
        requestedBy: z.string(),
        requestedAt: z.string(),
      })
      .optional(),
    audit: z.array(auditSchema),
    createdBy: z.string(),
    departmentId: z.string().optional(),
    clonedFrom: z.string().optional(),
    lastRunId: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ description: 'A campaign (OMICard 任務) with its approval and audit trail' });

export const runSchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    status: z.enum(runStatuses),
    type: z.enum(campaignTypes),
    content: contentSchema,
    audience: audienceSchema,
    resendOf: z.object({ runId: z.string(), who: previous }).optional(),
    launchedBy: z.string(),
    launchedAt: z.string(),
    parts: z.number().int().optional(),
    progress: z.object({ total: z.number(), queued: z.number(), sent: z.number(), failed: z.number(), suppressed: z.number(), cancelled: z.number() }),
    pointsReserved: z.number().optional(),
    pointsUsed: z.number().optional(),
    error: z.object({ code: z.string(), detail: z.string() }).optional(),
    finishedAt: z.string().optional(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ description: 'One send of a campaign, with its content and audience as they were at launch, and live progress' });

/** Parses a body (undefined counts as `{}` for routes whose body is optional). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string, bodyRequired = true): z.output<T> {
  if (input === undefined && bodyRequired) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(`Invalid ${what}`, fieldErrorsOf(parsed.error));
  return parsed.data;
}
