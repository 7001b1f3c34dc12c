/**
 * Every route of the REST API, declared once. The API handler's router, the role check, the
 * OpenAPI document, the CDK API (one method per route, the authorizer on all but public ones)
 * and the local gateway all read this table.
 */
import type { Role } from '../auth/roles';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** API Gateway resource path, e.g. `/contacts/{id}`. */
  readonly path: string;
  /** Unique; the router maps it to its handler and OpenAPI uses it as operationId. */
  readonly operationId: string;
  /** `public` routes skip the authorizer; the others need at least this role. */
  readonly access: 'public' | Role;
  readonly summary: string;
  readonly tag: string;
}

export const routes = [
  { method: 'GET', path: '/health', operationId: 'getHealth', access: 'public', summary: 'Liveness and version', tag: 'system' },
  { method: 'GET', path: '/openapi.json', operationId: 'getOpenApi', access: 'public', summary: 'This API as an OpenAPI 3.1 document', tag: 'system' },
  { method: 'POST', path: '/auth/sign-in', operationId: 'signIn', access: 'public', summary: 'Exchange e-mail and password for an ID token', tag: 'auth' },
  { method: 'GET', path: '/me', operationId: 'getMe', access: 'viewer', summary: 'The signed-in user or API key', tag: 'auth' },

  { method: 'GET', path: '/contacts', operationId: 'listContacts', access: 'viewer', summary: 'List contacts (cursor pagination; search by e-mail or name; filter by group, category, status, score, custom fields)', tag: 'contacts' },
  { method: 'POST', path: '/contacts', operationId: 'createContact', access: 'operator', summary: 'Create a contact', tag: 'contacts' },
  { method: 'GET', path: '/contacts/{id}', operationId: 'getContact', access: 'viewer', summary: 'Get a contact', tag: 'contacts' },
  { method: 'PATCH', path: '/contacts/{id}', operationId: 'updateContact', access: 'operator', summary: 'Update a contact', tag: 'contacts' },
  { method: 'DELETE', path: '/contacts/{id}', operationId: 'deleteContact', access: 'operator', summary: 'Delete a contact', tag: 'contacts' },

  // What a workspace defines about its contacts: admins define fields and categories, managers groups.
  { method: 'GET', path: '/fields', operationId: 'listFields', access: 'viewer', summary: 'List the workspace\'s custom contact fields', tag: 'contacts' },
  { method: 'POST', path: '/fields', operationId: 'createField', access: 'admin', summary: 'Define a custom contact field', tag: 'contacts' },
  { method: 'GET', path: '/fields/{name}', operationId: 'getField', access: 'viewer', summary: 'Get a custom field definition', tag: 'contacts' },
  { method: 'PATCH', path: '/fields/{name}', operationId: 'updateField', access: 'admin', summary: 'Change a custom field (label, required, validation; type only while unused)', tag: 'contacts' },
  { method: 'DELETE', path: '/fields/{name}', operationId: 'deleteField', access: 'admin', summary: 'Delete a custom field and (best effort) its values', tag: 'contacts' },
  { method: 'GET', path: '/groups', operationId: 'listGroups', access: 'viewer', summary: 'List contact groups', tag: 'contacts' },
  { method: 'POST', path: '/groups', operationId: 'createGroup', access: 'manager', summary: 'Create a contact group', tag: 'contacts' },
  { method: 'GET', path: '/groups/{id}', operationId: 'getGroup', access: 'viewer', summary: 'Get a contact group', tag: 'contacts' },
  { method: 'PATCH', path: '/groups/{id}', operationId: 'updateGroup', access: 'manager', summary: 'Rename, describe or share a group', tag: 'contacts' },
  { method: 'DELETE', path: '/groups/{id}', operationId: 'deleteGroup', access: 'manager', summary: 'Delete a group (its contacts stay)', tag: 'contacts' },
  { method: 'PUT', path: '/groups/{id}/sharing', operationId: 'shareGroup', access: 'manager', summary: 'Share a group\'s contacts with departments or users, read or read-write (managers: their department\'s groups)', tag: 'contacts' },
  { method: 'POST', path: '/groups/{id}/members', operationId: 'addGroupMembers', access: 'operator', summary: 'Add up to 1000 contacts to a group', tag: 'contacts' },
  { method: 'POST', path: '/groups/{id}/members/remove', operationId: 'removeGroupMembers', access: 'operator', summary: 'Remove up to 1000 contacts from a group', tag: 'contacts' },
  { method: 'GET', path: '/categories', operationId: 'listCategories', access: 'viewer', summary: 'List newsletter categories', tag: 'contacts' },
  { method: 'POST', path: '/categories', operationId: 'createCategory', access: 'admin', summary: 'Create a newsletter category', tag: 'contacts' },
  { method: 'GET', path: '/categories/{id}', operationId: 'getCategory', access: 'viewer', summary: 'Get a newsletter category', tag: 'contacts' },
  { method: 'PATCH', path: '/categories/{id}', operationId: 'updateCategory', access: 'admin', summary: 'Rename or describe a newsletter category', tag: 'contacts' },
  { method: 'DELETE', path: '/categories/{id}', operationId: 'deleteCategory', access: 'admin', summary: 'Delete a newsletter category and (best effort) its subscriptions', tag: 'contacts' },

  // Segments (saved rules with live counts) and exports (CSV / XLSX files built by the export worker).
  { method: 'GET', path: '/segments', operationId: 'listSegments', access: 'viewer', summary: 'List saved segments', tag: 'segments' },
  { method: 'POST', path: '/segments', operationId: 'createSegment', access: 'operator', summary: 'Save a segment (rules over fields, custom fields, groups, categories, status, score, activity)', tag: 'segments' },
  { method: 'POST', path: '/segments/preview', operationId: 'previewSegment', access: 'viewer', summary: 'Count the contacts unsaved rules match, with a sample of 10', tag: 'segments' },
  { method: 'GET', path: '/segments/{id}', operationId: 'getSegment', access: 'viewer', summary: 'Get a segment', tag: 'segments' },
  { method: 'PATCH', path: '/segments/{id}', operationId: 'updateSegment', access: 'operator', summary: 'Rename, describe or change the rules of a segment', tag: 'segments' },
  { method: 'DELETE', path: '/segments/{id}', operationId: 'deleteSegment', access: 'operator', summary: 'Delete a segment', tag: 'segments' },
  { method: 'GET', path: '/segments/{id}/count', operationId: 'countSegment', access: 'viewer', summary: 'Count the contacts a segment matches now', tag: 'segments' },
  { method: 'GET', path: '/exports', operationId: 'listExports', access: 'operator', summary: 'List contact exports, newest first', tag: 'exports' },
  { method: 'POST', path: '/exports', operationId: 'createExport', access: 'operator', summary: 'Export contacts (a segment, rules or simple filters) as CSV or XLSX files', tag: 'exports' },
  { method: 'GET', path: '/exports/{id}', operationId: 'getExport', access: 'operator', summary: 'An export\'s progress and, once completed, download links for its files', tag: 'exports' },

  { method: 'GET', path: '/departments', operationId: 'listDepartments', access: 'viewer', summary: 'List departments', tag: 'identity' },
  { method: 'POST', path: '/departments', operationId: 'createDepartment', access: 'admin', summary: 'Create a department', tag: 'identity' },
  { method: 'GET', path: '/users', operationId: 'listUsers', access: 'manager', summary: 'List users', tag: 'identity' },
  { method: 'POST', path: '/users', operationId: 'createUser', access: 'admin', summary: 'Create a user', tag: 'identity' },
  { method: 'PATCH', path: '/users/{id}', operationId: 'updateUser', access: 'admin', summary: 'Change a user\'s role, status, department or expiry', tag: 'identity' },

  { method: 'GET', path: '/api-keys', operationId: 'listApiKeys', access: 'admin', summary: 'List partner API keys (never their secrets)', tag: 'identity' },
  { method: 'POST', path: '/api-keys', operationId: 'createApiKey', access: 'admin', summary: 'Create a partner API key; the secret is shown once', tag: 'identity' },
  { method: 'DELETE', path: '/api-keys/{id}', operationId: 'revokeApiKey', access: 'admin', summary: 'Revoke a partner API key', tag: 'identity' },

  // Contact imports: the file goes straight to S3 through presigned URLs; the upload event previews it.
  { method: 'POST', path: '/imports', operationId: 'createImport', access: 'operator', summary: 'Start an import: presigned upload URL(s) for the file (CSV, TSV or XLSX)', tag: 'imports' },
  { method: 'GET', path: '/imports', operationId: 'listImports', access: 'viewer', summary: 'List imports, newest first', tag: 'imports' },
  { method: 'GET', path: '/imports/{id}', operationId: 'getImport', access: 'viewer', summary: 'An import: status, preview, options, progress', tag: 'imports' },
  { method: 'POST', path: '/imports/{id}/complete', operationId: 'completeImportUpload', access: 'operator', summary: 'Complete a multipart upload with the ETags of its parts', tag: 'imports' },
  { method: 'POST', path: '/imports/{id}/start', operationId: 'startImport', access: 'operator', summary: 'Run the import (or a comparison) with mapping, keys, duplicate policy and cleaning options', tag: 'imports' },
  { method: 'GET', path: '/imports/{id}/report', operationId: 'getImportReport', access: 'viewer', summary: 'A short-lived download link for the report CSV (rejects, corrections, comparison)', tag: 'imports' },

  // Campaigns (OMICard 任務): operators compose, test and launch; managers approve; admins set approval and quotas.
  { method: 'GET', path: '/campaigns', operationId: 'listCampaigns', access: 'viewer', summary: 'List campaigns, newest first (own department\'s and shared; admins all)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns', operationId: 'createCampaign', access: 'operator', summary: 'Create a campaign (a draft): content, audience, type, optional schedule', tag: 'campaigns' },
  { method: 'GET', path: '/campaigns/{id}', operationId: 'getCampaign', access: 'viewer', summary: 'Get a campaign with its approval and audit trail', tag: 'campaigns' },
  { method: 'PATCH', path: '/campaigns/{id}', operationId: 'updateCampaign', access: 'operator', summary: 'Edit a draft (an approved or awaiting campaign goes back to draft)', tag: 'campaigns' },
  { method: 'DELETE', path: '/campaigns/{id}', operationId: 'deleteCampaign', access: 'operator', summary: 'Delete a draft', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/clone', operationId: 'cloneCampaign', access: 'operator', summary: 'Copy a campaign into a new draft', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/submit', operationId: 'submitCampaign', access: 'operator', summary: 'Submit a draft for approval (approved at once when the role needs none)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/approve', operationId: 'approveCampaign', access: 'manager', summary: 'Approve (sequential: in turn; parallel: all approvers); never one\'s own', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/reject', operationId: 'rejectCampaign', access: 'manager', summary: 'Reject with a comment (back to draft)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/launch', operationId: 'launchCampaign', access: 'operator', summary: 'Send now or on a schedule (at() once, cron() recurring)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/pause', operationId: 'pauseCampaign', access: 'operator', summary: 'Pause the sending run', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/resume', operationId: 'resumeCampaign', access: 'operator', summary: 'Resume a paused run', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/cancel', operationId: 'cancelCampaign', access: 'operator', summary: 'Cancel a scheduled, sending or paused campaign', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/resend', operationId: 'resendCampaign', access: 'operator', summary: 'Resend to all, non-openers, openers, clickers or failed recipients of the last run', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/trigger', operationId: 'triggerCampaign', access: 'operator', summary: 'Send a triggered campaign to one recipient now, with this send\'s merge fields (partners: signed API keys)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/test', operationId: 'testSendCampaign', access: 'operator', summary: 'Send a test to at most 10 typed recipients', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/content/upload', operationId: 'uploadCampaignContent', access: 'operator', summary: 'A presigned upload for content from a file: a ZIP of a whole EDM, an HTML file or a DOCX', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/content/import', operationId: 'importCampaignContent', access: 'operator', summary: 'Turn the uploaded file into the campaign\'s HTML (assets hosted, relative links rewritten)', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/audience/upload', operationId: 'uploadCampaignAudience', access: 'operator', summary: 'A presigned upload for a recipient list (CSV, TSV, TXT or XLSX) to use as an upload source', tag: 'campaigns' },
  { method: 'POST', path: '/campaigns/{id}/preview', operationId: 'previewCampaign', access: 'viewer', summary: 'Render the message for a contact or merge fields, with the pre-send check', tag: 'campaigns' },
  { method: 'GET', path: '/campaigns/{id}/runs', operationId: 'listCampaignRuns', access: 'viewer', summary: 'Every run of a campaign, newest first, with progress', tag: 'campaigns' },
  { method: 'GET', path: '/campaigns/{id}/runs/{runId}', operationId: 'getCampaignRun', access: 'viewer', summary: 'A run: content and audience as launched, status, progress, points', tag: 'campaigns' },
  { method: 'GET', path: '/settings/approval', operationId: 'getApprovalSettings', access: 'viewer', summary: 'Which roles need approval to launch, the mode (層簽 sequential / 會簽 parallel) and the approvers', tag: 'campaigns' },
  { method: 'PUT', path: '/settings/approval', operationId: 'putApprovalSettings', access: 'admin', summary: 'Set the workspace\'s approval rules', tag: 'campaigns' },
  { method: 'GET', path: '/suppressions', operationId: 'listSuppressions', access: 'viewer', summary: 'Addresses never mailed again (bounced, complained, unsubscribed, added by hand), with the reason', tag: 'campaigns' },
  { method: 'POST', path: '/suppressions', operationId: 'addSuppressions', access: 'operator', summary: 'Add up to 1000 addresses by hand (a stronger existing reason is kept)', tag: 'campaigns' },
  { method: 'DELETE', path: '/suppressions/{email}', operationId: 'removeSuppression', access: 'admin', summary: 'Take an address off the list (e.g. its mailbox was fixed)', tag: 'campaigns' },
  // Tracking and engagement: what recipients did (the lake's events, projected), and the score's weights.
  { method: 'GET', path: '/contacts/{id}/timeline', operationId: 'getContactTimeline', access: 'viewer', summary: 'A contact\'s activity, newest first: sends, deliveries, opens, clicks, page views, forwards, comments, unsubscribes — with place, device and machine flags', tag: 'engagement' },
  { method: 'GET', path: '/campaigns/{id}/engagement', operationId: 'getCampaignEngagement', access: 'viewer', summary: 'A campaign\'s live counters: sent, delivered, bounced, opens and clicks (unique, total, machine), page views, forwards, comments, unsubscribes', tag: 'engagement' },
  { method: 'GET', path: '/campaigns/{id}/comments', operationId: 'listCampaignComments', access: 'viewer', summary: 'Comments recipients left on a campaign, newest first', tag: 'engagement' },
  { method: 'GET', path: '/settings/engagement', operationId: 'getEngagementSettings', access: 'viewer', summary: 'Loyalty score weights per event type and their half-life', tag: 'engagement' },
  { method: 'PUT', path: '/settings/engagement', operationId: 'putEngagementSettings', access: 'admin', summary: 'Set the loyalty score weights and half-life', tag: 'engagement' },

  // Two-stage reports (報表): generate runs in the report worker; view answers from the latest snapshot.
  { method: 'GET', path: '/reports/comparison', operationId: 'compareCampaignReports', access: 'viewer', summary: 'Campaigns side by side (?campaigns=id,id…, up to 20): sent, delivered, open, click, bounce and unsubscribe rates from each one\'s latest report snapshots', tag: 'reports' },
  { method: 'GET', path: '/campaigns/{id}/reports', operationId: 'listCampaignReports', access: 'viewer', summary: 'The report catalogue for a campaign: each report\'s state, latest generation time, and the campaign\'s report settings', tag: 'reports' },
  { method: 'POST', path: '/campaigns/{id}/reports/generate', operationId: 'generateCampaignReports', access: 'viewer', summary: 'Queue the generation of reports (default: the campaign\'s chosen ones) over a range of days; answers 202 at once', tag: 'reports' },
  { method: 'PUT', path: '/campaigns/{id}/reports/settings', operationId: 'putCampaignReportSettings', access: 'operator', summary: 'Choose the reports a campaign produces and their e-mail dispatch (daily or weekly, PDF or XLSX, recipients)', tag: 'reports' },
  { method: 'POST', path: '/campaigns/{id}/reports/dispatch', operationId: 'dispatchCampaignReports', access: 'operator', summary: 'E-mail the chosen reports to the dispatch\'s recipients now', tag: 'reports' },
  { method: 'POST', path: '/campaigns/{id}/reports/lists', operationId: 'createRecipientList', access: 'operator', summary: 'Write a recipient list behind the reports (openers, clickers, bounces, complaints, unsubscribers, non-openers, forwarded, comments) as CSV or XLSX files of at most N rows', tag: 'reports' },
  { method: 'GET', path: '/campaigns/{id}/reports/lists/{listId}', operationId: 'getRecipientList', access: 'operator', summary: 'A recipient list\'s progress and, once completed, download links for its files', tag: 'reports' },
  { method: 'GET', path: '/campaigns/{id}/reports/{type}', operationId: 'getCampaignReport', access: 'viewer', summary: 'A report\'s state and its latest snapshot (figures, tables, charts), at once', tag: 'reports' },
  { method: 'POST', path: '/campaigns/{id}/reports/{type}/download', operationId: 'downloadCampaignReport', access: 'viewer', summary: 'A report\'s latest snapshot as PDF (charts, embedded Chinese font), XLSX or CSV: a download link', tag: 'reports' },
  { method: 'GET', path: '/quotas', operationId: 'listQuotas', access: 'viewer', summary: 'Sending points: balance, reserved and used per user and department (own and own department\'s; admins all)', tag: 'quotas' },
  { method: 'PUT', path: '/quotas/users/{id}', operationId: 'setUserQuota', access: 'admin', summary: 'Set a user\'s points balance', tag: 'quotas' },
  { method: 'PUT', path: '/quotas/departments/{id}', operationId: 'setDepartmentQuota', access: 'admin', summary: 'Set a department\'s points balance', tag: 'quotas' },
] as const satisfies readonly RouteSpec[];

export type OperationId = (typeof routes)[number]['operationId'];
