/**
 * The API's OpenAPI 3.1 document, built from the route table (shared/api/routes.ts) and the zod
 * schemas, so it cannot drift from what the code accepts. `npm run openapi` writes it to
 * openapi.json; a unit test fails when that file is out of date; GET /openapi.json serves it.
 */
import { z } from 'zod';
import { version } from '../../package.json';
import { routes, type OperationId, type RouteSpec } from '../api/routes';
import { roles } from '../auth/roles';
import {
  categorySchema,
  createCategorySchema,
  createFieldSchema,
  createGroupSchema,
  fieldDefinitionSchema,
  groupSchema,
  membershipResultSchema,
  membersSchema,
  shareGroupSchema,
  updateCategorySchema,
  updateFieldSchema,
  updateGroupSchema,
} from '../contacts/definitions';
import {
  approvalSettingsSchema,
  campaignSchema,
  createCampaignSchema,
  decisionSchema,
  launchSchema,
  listCampaignsQuerySchema,
  previewRequestSchema,
  rejectSchema,
  resendSchema,
  runSchema,
  testSendSchema,
  triggerSchema,
  updateCampaignSchema,
} from '../campaigns/schemas';
import { quotaSchema, setQuotaSchema } from '../quotas/quotas';
import { addSuppressionsSchema, listSuppressionsQuerySchema } from '../suppression/operations';
import { engagementSettingsSchema } from '../engagement/operations';
import { downloadReportSchema, generateReportsSchema, recipientListSchema, reportSettingsSchema } from '../reports/operations';
import { lakeEventTypes } from '../lake/event';

const engagementPageQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(600).optional() });
import { audienceUploadSchema, contentImportSchema, contentUploadSchema } from '../campaigns/content-files';
import { contactPageSchema, contactSchema, createContactSchema, listContactsQuerySchema, updateContactSchema } from '../contacts/schemas';
import { createExportSchema, exportSchema } from '../exports/model';
import { createSegmentSchema, previewSchema, segmentSchema, updateSegmentSchema } from '../segments/segments';
import {
  completeUploadSchema,
  createImportSchema,
  importCreatedSchema,
  importPageSchema,
  importReportLinkSchema,
  importSchema,
  importStartedSchema,
  listImportsQuerySchema,
  startImportSchema,
} from '../imports/job/schemas';

type Json = Record<string, unknown>;

const problemSchema = z
  .object({
    type: z.string().meta({ description: 'URI naming the kind of problem, e.g. urn:pigeon:problem:validation' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional().meta({ description: 'Quote it when reporting a problem' }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });

const healthSchema = z.object({ status: z.literal('ok'), version: z.string(), stage: z.string() });

// Identity shapes as the team contract fixes them (the identity use cases validate the input).
const signInSchema = z.object({ email: z.email(), password: z.string().min(1) });
const userSummarySchema = z.object({
  id: z.string(),
  email: z.email(),
  name: z.string(),
  role: z.enum(roles),
  workspaceId: z.string(),
  workspaceName: z.string().meta({ description: 'The workspace\'s display name' }),
  departmentId: z.string().optional(),
});
const signInResultSchema = z.object({ idToken: z.string(), expiresIn: z.number().int(), user: userSummarySchema });
const meSchema = z.object({
  kind: z.enum(['user', 'apiKey']),
  id: z.string(),
  role: z.enum(roles),
  workspaceId: z.string(),
  workspaceName: z.string().meta({ description: 'The workspace\'s display name' }),
  departmentId: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
});

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Components converted with the side of each schema a client sees: inputs as sent, outputs as received. */
function componentSchemas(): Record<string, Json> {
  const inputs = z.registry<{ id: string }>();
  inputs.add(createContactSchema, { id: 'ContactCreate' });
  inputs.add(updateContactSchema, { id: 'ContactUpdate' });
  inputs.add(createFieldSchema, { id: 'FieldCreate' });
  inputs.add(updateFieldSchema, { id: 'FieldUpdate' });
  inputs.add(createGroupSchema, { id: 'GroupCreate' });
  inputs.add(updateGroupSchema, { id: 'GroupUpdate' });
  inputs.add(membersSchema, { id: 'GroupMembers' });
  inputs.add(shareGroupSchema, { id: 'GroupSharing' });
  inputs.add(createCategorySchema, { id: 'CategoryCreate' });
  inputs.add(updateCategorySchema, { id: 'CategoryUpdate' });
  inputs.add(signInSchema, { id: 'SignIn' });
  inputs.add(createSegmentSchema, { id: 'SegmentCreate' });
  inputs.add(updateSegmentSchema, { id: 'SegmentUpdate' });
  inputs.add(previewSchema, { id: 'SegmentPreview' });
  inputs.add(createExportSchema, { id: 'ExportCreate' });
  inputs.add(createImportSchema, { id: 'ImportCreate' });
  inputs.add(completeUploadSchema, { id: 'ImportUploadComplete' });
  inputs.add(startImportSchema, { id: 'ImportStart' });
  inputs.add(createCampaignSchema, { id: 'CampaignCreate' });
  inputs.add(updateCampaignSchema, { id: 'CampaignUpdate' });
  inputs.add(decisionSchema, { id: 'CampaignDecision' });
  inputs.add(rejectSchema, { id: 'CampaignRejection' });
  inputs.add(launchSchema, { id: 'CampaignLaunch' });
  inputs.add(resendSchema, { id: 'CampaignResend' });
  inputs.add(testSendSchema, { id: 'CampaignTestSend' });
  inputs.add(triggerSchema, { id: 'CampaignTrigger' });
  inputs.add(previewRequestSchema, { id: 'CampaignPreviewRequest' });
  inputs.add(contentUploadSchema, { id: 'CampaignContentUpload' });
  inputs.add(contentImportSchema, { id: 'CampaignContentImport' });
  inputs.add(audienceUploadSchema, { id: 'CampaignAudienceUpload' });
  inputs.add(addSuppressionsSchema, { id: 'SuppressionAdd' });
  inputs.add(engagementSettingsSchema, { id: 'EngagementSettingsUpdate' });
  inputs.add(generateReportsSchema, { id: 'ReportGenerate' });
  inputs.add(downloadReportSchema, { id: 'ReportDownload' });
  inputs.add(reportSettingsSchema, { id: 'ReportSettingsUpdate' });
  inputs.add(recipientListSchema, { id: 'RecipientListCreate' });
  inputs.add(approvalSettingsSchema, { id: 'ApprovalSettingsUpdate' });
  inputs.add(setQuotaSchema, { id: 'QuotaUpdate' });
  const outputs = z.registry<{ id: string }>();
  outputs.add(contactSchema, { id: 'Contact' });
  outputs.add(contactPageSchema, { id: 'ContactPage' });
  outputs.add(fieldDefinitionSchema, { id: 'Field' });
  outputs.add(z.object({ items: z.array(fieldDefinitionSchema) }), { id: 'FieldList' });
  outputs.add(groupSchema, { id: 'Group' });
  outputs.add(z.object({ items: z.array(groupSchema) }), { id: 'GroupList' });
  outputs.add(membershipResultSchema, { id: 'MembershipResult' });
  outputs.add(categorySchema, { id: 'Category' });
  outputs.add(z.object({ items: z.array(categorySchema) }), { id: 'CategoryList' });
  outputs.add(problemSchema, { id: 'Problem' });
  outputs.add(healthSchema, { id: 'Health' });
  outputs.add(signInResultSchema, { id: 'SignInResult' });
  outputs.add(meSchema, { id: 'Me' });
  outputs.add(segmentSchema, { id: 'Segment' });
  outputs.add(z.object({ items: z.array(segmentSchema) }), { id: 'SegmentList' });
  outputs.add(z.object({ count: z.number().int(), sample: z.array(contactSchema).meta({ description: 'Up to 10 of the newest matching contacts' }) }), { id: 'SegmentPreviewResult' });
  outputs.add(z.object({ count: z.number().int(), evaluatedAt: z.iso.datetime() }), { id: 'SegmentCount' });
  outputs.add(exportSchema, { id: 'Export' });
  outputs.add(z.object({ items: z.array(exportSchema), nextCursor: z.string().optional() }), { id: 'ExportList' });
  outputs.add(z.object({ id: z.string(), status: z.literal('queued') }), { id: 'ExportQueued' });
  outputs.add(importSchema, { id: 'Import' });
  outputs.add(importCreatedSchema, { id: 'ImportCreated' });
  outputs.add(importPageSchema, { id: 'ImportPage' });
  outputs.add(importReportLinkSchema, { id: 'ImportReportLink' });
  outputs.add(importStartedSchema, { id: 'ImportStarted' });
  outputs.add(campaignSchema, { id: 'Campaign' });
  outputs.add(z.object({ items: z.array(campaignSchema), nextCursor: z.string().optional() }), { id: 'CampaignPage' });
  outputs.add(runSchema, { id: 'CampaignRun' });
  outputs.add(z.object({ items: z.array(runSchema) }), { id: 'CampaignRunList' });
  outputs.add(z.object({ campaign: campaignSchema, run: runSchema.optional() }).meta({ description: 'The campaign and its current run (none for a recurring schedule)' }), { id: 'CampaignLaunched' });
  outputs.add(z.object({ run: runSchema }), { id: 'CampaignTestRun' });
  outputs.add(
    z.object({
      subject: z.string(),
      from: z.string(),
      to: z.string(),
      charset: z.string(),
      html: z.string(),
      text: z.string(),
      attachmentNames: z.array(z.string()),
      sizeBytes: z.number().int(),
      findings: z.array(z.object({ code: z.string(), severity: z.enum(['error', 'warning']), message: z.string() })),
    }),
    { id: 'CampaignPreview' },
  );
  outputs.add(
    z.object({ key: z.string(), uploadUrl: z.string(), headers: z.record(z.string(), z.string()), expiresInSeconds: z.number().int() }),
    { id: 'CampaignContentUploadUrl' },
  );
  outputs.add(
    z.object({ key: z.string(), fileName: z.string(), uploadUrl: z.string(), headers: z.record(z.string(), z.string()), expiresInSeconds: z.number().int() }),
    { id: 'CampaignAudienceUploadUrl' },
  );
  const suppressionRecord = z.object({ email: z.string(), reason: z.enum(['manual', 'unsubscribe', 'bounce', 'complaint']), detail: z.string().optional(), campaignId: z.string().optional(), at: z.string() });
  outputs.add(z.object({ items: z.array(suppressionRecord), nextCursor: z.string().optional() }), { id: 'SuppressionPage' });
  outputs.add(z.object({ added: z.number().int() }), { id: 'SuppressionAdded' });
  outputs.add(z.object({ campaign: campaignSchema, warnings: z.array(z.string()) }), { id: 'CampaignContentImported' });
  outputs.add(
    z.object({ rolesRequiringApproval: z.array(z.enum(roles)), mode: z.enum(['sequential', 'parallel']), approverIds: z.array(z.string()), updatedAt: z.string().optional(), updatedBy: z.string().optional() }),
    { id: 'ApprovalSettings' },
  );
  const place = z.object({ country: z.string().optional(), region: z.string().optional(), city: z.string().optional() });
  const timelineEntry = z.object({
    id: z.string(),
    type: z.enum(lakeEventTypes),
    at: z.string(),
    campaignId: z.string().optional(),
    campaignName: z.string().optional(),
    runId: z.string().optional(),
    url: z.string().optional(),
    linkIndex: z.number().int().optional(),
    geo: place.optional(),
    device: z.object({ os: z.string().optional(), client: z.string().optional(), deviceType: z.string().optional() }).optional(),
    machine: z.boolean().optional(),
    machineReason: z.string().optional(),
    forwardedTo: z.array(z.string()).optional(),
    forwardedBy: z.string().optional(),
    text: z.string().optional(),
    categories: z.array(z.string()).optional(),
    reason: z.string().optional(),
  });
  outputs.add(z.object({ items: z.array(timelineEntry), next: z.string().optional() }), { id: 'ContactTimeline' });
  const tally = z.object({ total: z.number().int(), unique: z.number().int(), machine: z.number().int() });
  outputs.add(
    z.object({
      campaignId: z.string(),
      sent: z.number().int(),
      delivered: z.number().int(),
      bounced: z.number().int(),
      complained: z.number().int(),
      opens: tally,
      clicks: tally,
      pageViews: z.number().int(),
      unsubscribes: z.number().int(),
      forwards: z.number().int(),
      comments: z.number().int(),
      lastActivityAt: z.string().optional(),
    }),
    { id: 'CampaignEngagement' },
  );
  const comment = z.object({ id: z.string(), at: z.string(), runId: z.string(), email: z.string(), name: z.string().optional(), text: z.string(), forwardedBy: z.string().optional() });
  outputs.add(z.object({ items: z.array(comment), next: z.string().optional() }), { id: 'CampaignCommentPage' });
  outputs.add(engagementSettingsSchema.extend({ updatedAt: z.string().optional(), updatedBy: z.string().optional() }), { id: 'EngagementSettings' });
  outputs.add(quotaSchema, { id: 'Quota' });
  outputs.add(z.object({ items: z.array(quotaSchema) }), { id: 'QuotaList' });
  const uri = (id: string) => `#/components/schemas/${id}`;
  const all = {
    ...z.toJSONSchema(inputs, { io: 'input', uri }).schemas,
    ...z.toJSONSchema(outputs, { io: 'output', uri }).schemas,
  } as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(all)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, schema]) => {
        const { $schema: _schema, $id: _id, ...rest } = schema;
        return [name, rest];
      }),
  );
}

const problemResponses = {
  BadRequest: 'The request is invalid; `errors` names each offending field',
  Unauthorized: 'No valid credentials (missing or bad token, bad signature, body hash mismatch)',
  Forbidden: 'The caller\'s role is below the one the route needs, or the contact or group is visible to the caller but not its to change',
  NotFound: 'No such resource (or route)',
  MethodNotAllowed: 'The path exists but not with this method; see the Allow header',
  Conflict: 'The change conflicts with existing data (e.g. a duplicate e-mail)',
  PreconditionFailed: 'If-Match names a version that is no longer current',
  PayloadTooLarge: 'The body is over 1 MB',
  TooManyRequests: 'The API key\'s rate limit is exhausted',
  InternalError: 'Something failed on the server; nothing about it is disclosed',
} as const;
type ProblemResponse = keyof typeof problemResponses;

const problemRef = (name: ProblemResponse) => ({ $ref: `#/components/responses/${name}` });

interface OperationDoc {
  readonly requestSchema?: string;
  readonly query?: z.ZodObject;
  readonly ok: { readonly status: number; readonly description: string; readonly schema?: string; readonly headers?: Json };
  readonly problems?: readonly ProblemResponse[];
  readonly ifMatch?: boolean;
  /** More than the summary says, appended to the operation's description. */
  readonly description?: string;
}

const etagHeader = { ETag: { description: 'The contact version, for If-Match', schema: { type: 'string' } } };

/** The five operations of a workspace definition (custom field, group, category). */
function definitionDocs(
  schema: string,
  what: string,
  ids: { list: OperationId; create: OperationId; get: OperationId; update: OperationId; remove: OperationId },
): Partial<Record<OperationId, OperationDoc>> {
  return {
    [ids.list]: { ok: { status: 200, description: `Every ${what} of the workspace`, schema: `${schema}List` } },
    [ids.create]: {
      requestSchema: `${schema}Create`,
      ok: { status: 201, description: 'Created', schema, headers: { Location: { description: `URL of the new ${what}`, schema: { type: 'string' } } } },
      problems: ['BadRequest', 'Conflict'],
    },
    [ids.get]: { ok: { status: 200, description: `The ${what}`, schema }, problems: ['NotFound'] },
    [ids.update]: {
      requestSchema: `${schema}Update`,
      ok: { status: 200, description: `The updated ${what}`, schema },
      problems: ['BadRequest', 'NotFound', 'Conflict', 'PreconditionFailed'],
    },
    [ids.remove]: { ok: { status: 204, description: 'Deleted' }, problems: ['NotFound'] },
  };
}

/** The campaign, approval and quota routes. */
function campaignDocs(): Partial<Record<OperationId, OperationDoc>> {
  const location = { Location: { description: 'URL of the campaign', schema: { type: 'string' } } };
  const step = (requestSchema: string | undefined, description: string, status = 200, schema = 'Campaign'): OperationDoc => ({
    ...(requestSchema ? { requestSchema } : {}),
    ok: { status, description, schema },
    problems: ['BadRequest', 'NotFound', 'Conflict', 'PreconditionFailed'],
  });
  return {
    listCampaigns: { query: listCampaignsQuerySchema, ok: { status: 200, description: 'One page of campaigns, newest first (a page may be short: follow nextCursor)', schema: 'CampaignPage' }, problems: ['BadRequest'] },
    createCampaign: { requestSchema: 'CampaignCreate', ok: { status: 201, description: 'Created (a draft)', schema: 'Campaign', headers: location }, problems: ['BadRequest'] },
    getCampaign: { ok: { status: 200, description: 'The campaign', schema: 'Campaign', headers: etagHeader }, problems: ['NotFound'] },
    updateCampaign: { ...step('CampaignUpdate', 'The edited campaign (back to draft if it was approved or awaiting approval)'), ifMatch: true },
    deleteCampaign: { ok: { status: 204, description: 'Deleted' }, problems: ['NotFound', 'Conflict', 'PreconditionFailed'] },
    cloneCampaign: { ok: { status: 201, description: 'The new draft', schema: 'Campaign', headers: location }, problems: ['NotFound'] },
    submitCampaign: step('CampaignDecision', 'Awaiting approval, or approved at once when the submitter\'s role needs none'),
    approveCampaign: {
      ...step('CampaignDecision', 'The campaign; approved once every approver has'),
      description: 'Sequential (層簽): only the next approver in order may decide (409 otherwise). The submitter can never approve (403).',
    },
    rejectCampaign: step('CampaignRejection', 'Back to draft, with the comment in the audit trail'),
    launchCampaign: {
      ...step('CampaignLaunch', 'Queued (sending) or scheduled', 202, 'CampaignLaunched'),
      description:
        'Allowed for approved campaigns, or drafts when the launcher\'s role needs no approval. Without a schedule the run is queued at once; ' +
        '`at()` schedules one run, `cron()` a run per fire. 409 `urn:pigeon:problem:quota-short` names the quota that is short. ' +
        'A test campaign goes to at most 10 typed recipients (400 otherwise).',
    },
    pauseCampaign: step(undefined, 'Paused', 200, 'CampaignLaunched'),
    resumeCampaign: step(undefined, 'Sending again', 200, 'CampaignLaunched'),
    cancelCampaign: step('CampaignDecision', 'Cancelled (its schedule deleted; workers cancel what is not yet sent)', 200, 'CampaignLaunched'),
    resendCampaign: step('CampaignResend', 'A new run to the chosen recipients of the last run', 202, 'CampaignLaunched'),
    testSendCampaign: step('CampaignTestSend', 'A test run, queued', 202, 'CampaignTestRun'),
    triggerCampaign: {
      ...step('CampaignTrigger', 'A run to this one recipient, queued on the priority lane', 202, 'CampaignTestRun'),
      description: 'Only for approved triggered campaigns (409 otherwise). Suppressed addresses and the campaign\'s exclusions still apply: the run then completes with nothing sent.',
    },
    previewCampaign: step('CampaignPreviewRequest', 'The message as the recipient will get it, with the pre-send findings', 200, 'CampaignPreview'),
    uploadCampaignContent: {
      ...step('CampaignContentUpload', 'PUT the file to uploadUrl (with headers) within expiresInSeconds, then import it', 200, 'CampaignContentUploadUrl'),
    },
    listSuppressions: {
      query: listSuppressionsQuerySchema,
      ok: { status: 200, description: 'One page of the list, in address order (follow nextCursor)', schema: 'SuppressionPage' },
      problems: ['BadRequest'],
    },
    addSuppressions: { requestSchema: 'SuppressionAdd', ok: { status: 200, description: 'How many distinct addresses were added', schema: 'SuppressionAdded' }, problems: ['BadRequest'] },
    removeSuppression: { ok: { status: 204, description: 'Off the list (nothing happens when it was not on it)' }, problems: ['BadRequest'] },
    uploadCampaignAudience: step('CampaignAudienceUpload', 'PUT the file to uploadUrl, then add { kind: "upload", key, fileName } to the audience', 200, 'CampaignAudienceUploadUrl'),
    importCampaignContent: {
      ...step('CampaignContentImport', 'The campaign with its new HTML (a ZIP\'s or DOCX\'s files hosted, links rewritten), and what to check', 200, 'CampaignContentImported'),
    },
    listCampaignRuns: { ok: { status: 200, description: 'Every run, newest first', schema: 'CampaignRunList' }, problems: ['NotFound'] },
    getCampaignRun: { ok: { status: 200, description: 'The run', schema: 'CampaignRun' }, problems: ['NotFound'] },
    getApprovalSettings: { ok: { status: 200, description: 'The workspace\'s approval rules (none: nobody needs approval)', schema: 'ApprovalSettings' } },
    putApprovalSettings: { requestSchema: 'ApprovalSettingsUpdate', ok: { status: 200, description: 'The new rules', schema: 'ApprovalSettings' }, problems: ['BadRequest'] },
    getContactTimeline: { query: engagementPageQuery, ok: { status: 200, description: 'One page of the timeline, newest first (follow next)', schema: 'ContactTimeline' }, problems: ['BadRequest', 'NotFound'] },
    getCampaignEngagement: { ok: { status: 200, description: 'Live counters across the campaign\'s runs (exact per-run figures: the reports)', schema: 'CampaignEngagement' }, problems: ['NotFound'] },
    listCampaignComments: { query: engagementPageQuery, ok: { status: 200, description: 'One page of comments, newest first', schema: 'CampaignCommentPage' }, problems: ['BadRequest', 'NotFound'] },
    getEngagementSettings: { ok: { status: 200, description: 'The weights and half-life (defaults until an admin sets them)', schema: 'EngagementSettings' } },
    putEngagementSettings: { requestSchema: 'EngagementSettingsUpdate', ok: { status: 200, description: 'The new settings', schema: 'EngagementSettings' }, problems: ['BadRequest'] },
    listCampaignReports: { ok: { status: 200, description: '{ settings, reports }: every report type with its state, latest generation time and whether the campaign produces it' }, problems: ['NotFound'] },
    generateCampaignReports: { requestSchema: 'ReportGenerate', ok: { status: 202, description: '{ reports }: the requested reports, now generating (their previous snapshots stay until the new ones are ready)' }, problems: ['BadRequest', 'NotFound'] },
    getCampaignReport: { ok: { status: 200, description: '{ status, snapshot? }: the latest snapshot (generatedAt, range, figures, tables, charts)' }, problems: ['NotFound'] },
    downloadCampaignReport: { requestSchema: 'ReportDownload', ok: { status: 200, description: '{ url, fileName, expiresAt }: a link to the file, valid 15 minutes' }, problems: ['BadRequest', 'NotFound', 'Conflict'] },
    putCampaignReportSettings: { requestSchema: 'ReportSettingsUpdate', ok: { status: 200, description: 'The settings' }, problems: ['BadRequest', 'NotFound'] },
    dispatchCampaignReports: { ok: { status: 202, description: 'Queued: the chosen reports are generated and e-mailed' }, problems: ['BadRequest', 'NotFound'] },
    createRecipientList: { requestSchema: 'RecipientListCreate', ok: { status: 202, description: 'The list job, queued' }, problems: ['BadRequest', 'NotFound'] },
    compareCampaignReports: { ok: { status: 200, description: '{ columns, items }: one row per campaign with the figures of its latest snapshots, and which reports it still needs generated (notGenerated)' }, problems: ['BadRequest', 'NotFound'] },
    getRecipientList: { ok: { status: 200, description: 'The list job; completed ones carry download links for their files' }, problems: ['NotFound'] },
    listQuotas: { ok: { status: 200, description: 'Quotas (admins: all; others their own and their department\'s)', schema: 'QuotaList' } },
    setUserQuota: { requestSchema: 'QuotaUpdate', ok: { status: 200, description: 'The quota', schema: 'Quota' }, problems: ['BadRequest'] },
    setDepartmentQuota: { requestSchema: 'QuotaUpdate', ok: { status: 200, description: 'The quota', schema: 'Quota' }, problems: ['BadRequest'] },
  };
}

/** What each operation takes and returns; operations not listed get a generic JSON answer. */
const operationDocs: Partial<Record<OperationId, OperationDoc>> = {
  createImport: {
    requestSchema: 'ImportCreate',
    description:
      'Upload the file with one PUT to `upload.url` (files up to 100 MiB) or, for larger files, PUT each part to its ' +
      '`multipart.parts[].url` and POST /imports/{id}/complete with the ETags. The upload starts a preview: GET the import ' +
      'until its status is `ready` (or `failed`, with `error.detail`).',
    ok: { status: 201, description: 'Created; upload the file next', schema: 'ImportCreated', headers: { Location: { description: 'URL of the import', schema: { type: 'string' } } } },
    problems: ['BadRequest'],
  },
  listImports: { query: listImportsQuerySchema, ok: { status: 200, description: 'One page of imports', schema: 'ImportPage' }, problems: ['BadRequest'] },
  getImport: { ok: { status: 200, description: 'The import', schema: 'Import' }, problems: ['NotFound'] },
  completeImportUpload: {
    requestSchema: 'ImportUploadComplete',
    ok: { status: 202, description: 'Upload completed; the preview follows', schema: 'Import' },
    problems: ['BadRequest', 'NotFound', 'Conflict'],
  },
  startImport: {
    requestSchema: 'ImportStart',
    description:
      'Only a `ready` import starts (409 otherwise). `keys` identify a contact within the file and against the database ' +
      '(e-mail by default); `policy` says what a match does: `skip`, `update` (the file\'s values win) or `updateEmpty` (only ' +
      'empty fields are filled). `mode: compare` writes nothing and reports rows as new, present or different.',
    ok: { status: 202, description: 'Queued', schema: 'ImportStarted' },
    problems: ['BadRequest', 'NotFound', 'Conflict'],
  },
  getImportReport: {
    description: 'The report is a UTF-8 CSV with a BOM: row, outcome, field, original, corrected, reason.',
    ok: { status: 200, description: 'A presigned download URL', schema: 'ImportReportLink' },
    problems: ['NotFound'],
  },
  ...campaignDocs(),
  getHealth: { ok: { status: 200, description: 'The API is up', schema: 'Health' } },
  getOpenApi: { ok: { status: 200, description: 'This document' } },
  signIn: { requestSchema: 'SignIn', ok: { status: 200, description: 'Signed in', schema: 'SignInResult' }, problems: ['BadRequest'] },
  getMe: { ok: { status: 200, description: 'The caller', schema: 'Me' } },
  listContacts: {
    query: listContactsQuerySchema,
    description:
      'Filters combine with AND, with `q` and with the cursor. Besides the parameters below, any number of ' +
      '`custom.<field name>=<value>` parameters filter by custom field: equal to the value (text, number, date, ' +
      '`true`/`false`, a choice), or for a multi-choice field holding that choice. A sparse filter may answer a page ' +
      'with fewer items than `limit` (even none) and a `nextCursor`: keep following it.',
    ok: { status: 200, description: 'One page of contacts', schema: 'ContactPage' },
    problems: ['BadRequest'],
  },
  createContact: {
    requestSchema: 'ContactCreate',
    ok: {
      status: 201,
      description: 'Created',
      schema: 'Contact',
      headers: { Location: { description: 'URL of the new contact', schema: { type: 'string' } }, ...etagHeader },
    },
    problems: ['BadRequest', 'Conflict', 'PayloadTooLarge'],
  },
  getContact: { ok: { status: 200, description: 'The contact', schema: 'Contact', headers: etagHeader }, problems: ['NotFound'] },
  updateContact: {
    requestSchema: 'ContactUpdate',
    ifMatch: true,
    ok: { status: 200, description: 'The updated contact', schema: 'Contact', headers: etagHeader },
    problems: ['BadRequest', 'NotFound', 'Conflict', 'PreconditionFailed', 'PayloadTooLarge'],
  },
  deleteContact: { ifMatch: true, ok: { status: 204, description: 'Deleted' }, problems: ['NotFound', 'PreconditionFailed'] },
  ...definitionDocs('Field', 'field', { list: 'listFields', create: 'createField', get: 'getField', update: 'updateField', remove: 'deleteField' }),
  ...definitionDocs('Group', 'group', { list: 'listGroups', create: 'createGroup', get: 'getGroup', update: 'updateGroup', remove: 'deleteGroup' }),
  ...definitionDocs('Category', 'category', {
    list: 'listCategories',
    create: 'createCategory',
    get: 'getCategory',
    update: 'updateCategory',
    remove: 'deleteCategory',
  }),
  shareGroup: {
    requestSchema: 'GroupSharing',
    description:
      'Members of a group shared with a department or user become visible to it (`read`), or visible and changeable ' +
      '(`readWrite`, for operators and above). Admins share any group, managers their own department\'s (403 otherwise).',
    ok: { status: 200, description: 'The group with its new sharing', schema: 'Group' },
    problems: ['BadRequest', 'NotFound', 'PreconditionFailed'],
  },
  listSegments: { ok: { status: 200, description: 'Every segment of the workspace', schema: 'SegmentList' } },
  createSegment: {
    requestSchema: 'SegmentCreate',
    description: 'Rules are checked against the field types and the workspace\'s custom fields, groups and categories; a 400 names each offending `rules.conditions.<i>.value`.',
    ok: { status: 201, description: 'Created', schema: 'Segment', headers: { Location: { description: 'URL of the new segment', schema: { type: 'string' } } } },
    problems: ['BadRequest'],
  },
  getSegment: { ok: { status: 200, description: 'The segment', schema: 'Segment' }, problems: ['NotFound'] },
  updateSegment: { requestSchema: 'SegmentUpdate', ok: { status: 200, description: 'The updated segment', schema: 'Segment' }, problems: ['BadRequest', 'NotFound', 'PreconditionFailed'] },
  deleteSegment: { ok: { status: 204, description: 'Deleted' }, problems: ['NotFound'] },
  previewSegment: {
    requestSchema: 'SegmentPreview',
    description: 'Counts only the contacts the caller may read.',
    ok: { status: 200, description: 'The count and a sample', schema: 'SegmentPreviewResult' },
    problems: ['BadRequest'],
  },
  countSegment: {
    description: 'Counts only the contacts the caller may read; 400 when the segment names a field, group or category deleted since.',
    ok: { status: 200, description: 'The count now', schema: 'SegmentCount' },
    problems: ['BadRequest', 'NotFound'],
  },
  listExports: { ok: { status: 200, description: 'Your exports (admins: all), newest first; no download links', schema: 'ExportList' }, problems: ['BadRequest'] },
  createExport: {
    requestSchema: 'ExportCreate',
    description: 'Files hold only the contacts the caller may read. CSV: UTF-8 with BOM; cells starting with = + - @ are prefixed with \'.',
    ok: { status: 202, description: 'Queued; follow GET /exports/{id}', schema: 'ExportQueued' },
    problems: ['BadRequest'],
  },
  getExport: { ok: { status: 200, description: 'The export; completed exports carry download links valid for an hour', schema: 'Export' }, problems: ['NotFound'] },
  addGroupMembers: {
    requestSchema: 'GroupMembers',
    ok: { status: 200, description: 'What changed; ids with no contact are listed, not an error', schema: 'MembershipResult' },
    problems: ['BadRequest', 'NotFound', 'PayloadTooLarge'],
  },
  removeGroupMembers: {
    requestSchema: 'GroupMembers',
    ok: { status: 200, description: 'What changed; ids with no contact are listed, not an error', schema: 'MembershipResult' },
    problems: ['BadRequest', 'NotFound', 'PayloadTooLarge'],
  },
};

function parametersOf(route: RouteSpec, doc: OperationDoc | undefined): Json[] {
  const parameters: Json[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (doc?.query) {
    const schema = z.toJSONSchema(doc.query, { io: 'input' }) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  if (doc?.ifMatch) {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      description: 'The version last read (ETag); the write fails with 412 if the contact changed since',
      schema: { type: 'string' },
    });
  }
  return parameters;
}

function operationOf(route: RouteSpec): Json {
  const doc = operationDocs[route.operationId as OperationId];
  const secured = route.access !== 'public';
  const responses: Json = {
    [String(doc?.ok.status ?? 200)]: {
      description: doc?.ok.description ?? 'OK',
      ...(doc?.ok.headers ? { headers: doc.ok.headers } : {}),
      ...(doc?.ok.status === 204 ? {} : { content: { 'application/json': { schema: doc?.ok.schema ? schemaRef(doc.ok.schema) : {} } } }),
    },
  };
  const problems = new Set<ProblemResponse>(doc?.problems ?? (route.method === 'GET' ? [] : ['BadRequest']));
  if (secured) ['Unauthorized', 'Forbidden'].forEach((p) => problems.add(p as ProblemResponse));
  if (secured && route.access === 'viewer') problems.add('TooManyRequests');
  problems.add('InternalError');
  const statusOf: Record<ProblemResponse, string> = {
    BadRequest: '400',
    Unauthorized: '401',
    Forbidden: '403',
    NotFound: '404',
    MethodNotAllowed: '405',
    Conflict: '409',
    PreconditionFailed: '412',
    PayloadTooLarge: '413',
    TooManyRequests: '429',
    InternalError: '500',
  };
  for (const problem of [...problems].sort((a, b) => statusOf[a].localeCompare(statusOf[b]))) {
    responses[statusOf[problem]] = problemRef(problem);
  }
  const parameters = parametersOf(route, doc);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(secured || doc?.description
      ? { description: [secured ? `Needs the ${route.access} role or higher.` : '', doc?.description ?? ''].filter(Boolean).join(' ') }
      : {}),
    'x-pigeon-access': route.access,
    security: secured ? [{ consoleJwt: [] }, { partnerSignature: [], partnerDate: [], partnerNonce: [], partnerContentSha256: [] }] : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc?.requestSchema
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaRef(doc.requestSchema) } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pigeon API',
      version,
      description:
        'E-mail, SMS and fax marketing. Console users send `Authorization: Bearer <ID token>`; partners sign each request ' +
        '(PIGEON-HMAC-SHA256 over method, path, query, date, nonce and the body hash). Errors are RFC 9457 problem details.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        consoleJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'ID token from POST /auth/sign-in (Cognito in AWS)' },
        partnerSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            '`PIGEON-HMAC-SHA256 Credential=<keyId>, Signature=<hex>`: HMAC-SHA256 with the key secret over the lines ' +
            '`PIGEON-HMAC-SHA256`, X-Pigeon-Date, X-Pigeon-Nonce, METHOD, path, canonical query (keys sorted, RFC 3986 ' +
            '`k=v` joined by `&`), X-Pigeon-Content-SHA256, joined by "\\n".',
        },
        partnerDate: { type: 'apiKey', in: 'header', name: 'X-Pigeon-Date', description: 'ISO 8601 UTC; within 5 minutes of the server clock' },
        partnerNonce: { type: 'apiKey', in: 'header', name: 'X-Pigeon-Nonce', description: '16-64 characters, never reused' },
        partnerContentSha256: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Pigeon-Content-SHA256',
          description: 'Hex SHA-256 of the request body (of "" when none); the API checks the body against it',
        },
      },
      responses: Object.fromEntries(
        Object.entries(problemResponses).map(([name, description]) => [
          name,
          {
            description,
            ...(name === 'MethodNotAllowed' ? { headers: { Allow: { schema: { type: 'string' } } } } : {}),
            content: { 'application/problem+json': { schema: schemaRef('Problem') } },
          },
        ]),
      ),
      schemas: componentSchemas(),
    },
  };
}
