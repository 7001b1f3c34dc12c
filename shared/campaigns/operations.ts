/**
 * The campaign, approval-settings and quota routes as Operations, and their ports built from the
 * environment on first use (the API function serves every route; its tests run without the
 * campaign queue or scheduler configured).
 */
import { campaignStoreFromEnv } from '../adapters/aws/campaign-store.dynamodb';
import { quotaStoreFromEnv } from '../adapters/aws/quota-store.dynamodb';
import { sqsQueue } from '../adapters/aws/queue.sqs';
import { eventBridgeSchedulerFromEnv } from '../adapters/aws/scheduler.eventbridge';
import { localSchedulerFromEnv } from '../adapters/local/scheduler.local';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { runtime } from '../config';
import { getContact, parseIfMatch, type ContactDeps } from '../contacts/contacts';
import { principalOf } from '../http/router';
import { systemClock } from '../ports/clock';
import type { Queue } from '../ports/queue';
import type { Scheduler } from '../ports/scheduler';
import type { QuotaOwnerKind } from '../quotas/model';
import type { QuotaStore } from '../quotas/ports';
import { listQuotas, setQuota } from '../quotas/quotas';
import {
  approveCampaign,
  cloneCampaign,
  createCampaign,
  deleteCampaign,
  getApprovalSettings,
  getCampaign,
  listCampaigns,
  putApprovalSettings,
  rejectCampaign,
  submitCampaign,
  updateCampaign,
  type CampaignDeps,
} from './campaigns';
import type { CampaignStore } from './ports';
import { cancelCampaign, getRunOf, launchCampaign, listRuns, pauseCampaign, resendCampaign, resumeCampaign, testSendCampaign, triggerCampaign } from './launch';
import { s3BlobStore } from '../adapters/aws/blob-store.s3';
import type { BlobStore } from '../ports/blob-store';
import { previewCampaign, type CampaignRenderer, type ContactLookup } from './preview';
import { createAudienceUpload, createContentUpload, importContent, type ContentFileDeps } from './content-files';
import { ServiceUnavailableError } from './errors';

export type CampaignOperationId = Extract<
  OperationId,
  | 'listCampaigns'
  | 'createCampaign'
  | 'getCampaign'
  | 'updateCampaign'
  | 'deleteCampaign'
  | 'cloneCampaign'
  | 'submitCampaign'
  | 'approveCampaign'
  | 'rejectCampaign'
  | 'launchCampaign'
  | 'pauseCampaign'
  | 'resumeCampaign'
  | 'cancelCampaign'
  | 'resendCampaign'
  | 'testSendCampaign'
  | 'previewCampaign'
  | 'uploadCampaignContent'
  | 'importCampaignContent'
  | 'uploadCampaignAudience'
  | 'triggerCampaign'
  | 'listCampaignRuns'
  | 'getCampaignRun'
  | 'getApprovalSettings'
  | 'putApprovalSettings'
  | 'listQuotas'
  | 'setUserQuota'
  | 'setDepartmentQuota'
>;

const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';
const ok = (body: unknown) => ({ status: 200, body });
const accepted = (body: unknown) => ({ status: 202, body });

export interface CampaignOperationOptions {
  /** Reads a contact for a per-contact preview. */
  readonly contactLookup?: ContactLookup;
  /** Content from files (uploads, assets, the content module's importers); built on first use. */
  readonly contentFiles?: () => ContentFileDeps;
}

export function createCampaignOperations(deps: CampaignDeps | (() => CampaignDeps), options: CampaignOperationOptions = {}): Record<CampaignOperationId, Operation> {
  let built: CampaignDeps | undefined;
  const d = (): CampaignDeps => (built ??= typeof deps === 'function' ? deps() : deps);
  let files: ContentFileDeps | undefined;
  const f = (): ContentFileDeps => {
    if (!options.contentFiles) throw new ServiceUnavailableError('Content from files is not available here');
    return (files ??= options.contentFiles());
  };
  const quota = (kind: QuotaOwnerKind): Operation => async (request) => ok(await setQuota(d(), principalOf(request), { kind, id: idOf(request) }, request.body));
  return {
    listCampaigns: async (request) => ok(await listCampaigns(d(), principalOf(request), request.query)),
    createCampaign: async (request) => {
      const campaign = await createCampaign(d(), principalOf(request), request.body);
      return { status: 201, body: campaign, headers: { Location: `${request.baseUrl}/campaigns/${campaign.id}` } };
    },
    getCampaign: async (request) => {
      const campaign = await getCampaign(d(), principalOf(request), idOf(request));
      return { status: 200, body: campaign, headers: { ETag: `"${campaign.version}"` } };
    },
    updateCampaign: async (request) => {
      const campaign = await updateCampaign(d(), principalOf(request), idOf(request), request.body, parseIfMatch(request.headers['if-match']));
      return { status: 200, body: campaign, headers: { ETag: `"${campaign.version}"` } };
    },
    deleteCampaign: async (request) => {
      await deleteCampaign(d(), principalOf(request), idOf(request));
      return { status: 204 };
    },
    cloneCampaign: async (request) => {
      const campaign = await cloneCampaign(d(), principalOf(request), idOf(request));
      return { status: 201, body: campaign, headers: { Location: `${request.baseUrl}/campaigns/${campaign.id}` } };
    },
    submitCampaign: async (request) => ok(await submitCampaign(d(), principalOf(request), idOf(request), request.body)),
    approveCampaign: async (request) => ok(await approveCampaign(d(), principalOf(request), idOf(request), request.body)),
    rejectCampaign: async (request) => ok(await rejectCampaign(d(), principalOf(request), idOf(request), request.body)),
    launchCampaign: async (request) => accepted(await launchCampaign(d(), principalOf(request), idOf(request), request.body)),
    pauseCampaign: async (request) => ok(await pauseCampaign(d(), principalOf(request), idOf(request))),
    resumeCampaign: async (request) => ok(await resumeCampaign(d(), principalOf(request), idOf(request))),
    cancelCampaign: async (request) => ok(await cancelCampaign(d(), principalOf(request), idOf(request), request.body)),
    resendCampaign: async (request) => accepted(await resendCampaign(d(), principalOf(request), idOf(request), request.body)),
    testSendCampaign: async (request) => accepted(await testSendCampaign(d(), principalOf(request), idOf(request), request.body)),
    uploadCampaignContent: async (request) => ok(await createContentUpload(d(), f(), principalOf(request), idOf(request), request.body)),
    triggerCampaign: async (request) => accepted(await triggerCampaign(d(), principalOf(request), idOf(request), request.body)),
    uploadCampaignAudience: async (request) => ok(await createAudienceUpload(d(), f(), principalOf(request), idOf(request), request.body)),
    importCampaignContent: async (request) => ok(await importContent(d(), f(), principalOf(request), idOf(request), request.body)),
    previewCampaign: async (request) => ok(await previewCampaign(d(), options.contactLookup, principalOf(request), idOf(request), request.body)),
    listCampaignRuns: async (request) => ok(await listRuns(d(), principalOf(request), idOf(request))),
    getCampaignRun: async (request) => ok(await getRunOf(d(), principalOf(request), idOf(request), request.pathParameters.runId ?? '')),
    getApprovalSettings: async (request) => ok(await getApprovalSettings(d(), principalOf(request).workspaceId)),
    putApprovalSettings: async (request) => ok(await putApprovalSettings(d(), principalOf(request), request.body)),
    listQuotas: async (request) => ok(await listQuotas(d(), principalOf(request))),
    setUserQuota: quota('user'),
    setDepartmentQuota: quota('department'),
  };
}

/** A contact as merge fields: standard fields by name, custom ones under `custom`. */
export const contactLookupOf =
  (contacts: ContactDeps): ContactLookup =>
  async (principal, contactId) => {
    const { groups: _g, subscriptions: _s, version: _v, ...fields } = await getContact(contacts, principal, contactId);
    return fields;
  };

/** Adapters from the environment; each built on first use. */
export function campaignDepsFromEnv(options: { renderer?: () => CampaignRenderer | undefined } = {}): CampaignDeps {
  let campaigns: CampaignStore | undefined;
  let quotas: QuotaStore | undefined;
  let runQueue: Queue | undefined;
  let scheduler: Scheduler | undefined;
  let renderer: CampaignRenderer | undefined;
  let uploads: BlobStore | undefined;
  return {
    clock: systemClock,
    get campaigns() {
      return (campaigns ??= campaignStoreFromEnv());
    },
    get quotas() {
      return (quotas ??= quotaStoreFromEnv());
    },
    get runQueue() {
      return (runQueue ??= sqsQueue('campaignRuns'));
    },
    get scheduler() {
      return (scheduler ??= runtime() === 'local' ? localSchedulerFromEnv() : eventBridgeSchedulerFromEnv());
    },
    get renderer() {
      return (renderer ??= options.renderer?.());
    },
    get uploads() {
      return (uploads ??= s3BlobStore('uploads'));
    },
  };
}
