/**
 * Bringing content in from a file (OMICard's 上傳 HTML / ZIP / Word): the console asks for a
 * presigned upload (`POST /campaigns/{id}/content/upload`), PUTs the file to the uploads bucket,
 * then asks for it to be imported (`POST /campaigns/{id}/content/import`):
 *  - .zip: a whole EDM — its files go to the assets bucket under edm/<ws>/<campaign>/<upload>/ and
 *    the main page's relative links are rewritten to their hosted URLs;
 *  - .html / .htm: decoded by its BOM / meta charset;
 *  - .docx: converted to HTML, its images hosted like a ZIP's.
 * The campaign's HTML (and assetsPrefix, source) are replaced through the normal edit path, so an
 * approved campaign goes back to draft as with any edit.
 */
import { z } from 'zod';
import type { Principal } from '../api/operation';
import { ulid } from '../contacts/ids';
import { ValidationError } from '../errors';
import type { BlobStore } from '../ports/blob-store';
import { updateCampaign, visibleCampaign, type CampaignDeps } from './campaigns';
import type { Campaign, CampaignContent } from './model';
import { parseInput } from './schemas';

export const maxContentUploadBytes = 25 * 1024 * 1024;
const kinds = { zip: 'zip', html: 'html', htm: 'html', docx: 'docx' } as const;
type ContentKind = (typeof kinds)[keyof typeof kinds];

export interface ContentImporters {
  unpackEdmZip(zip: Uint8Array, options: { sink: BlobStore; prefix: string; assetsBaseUrl: string }): Promise<{ html: string; warnings: string[] }>;
  htmlFromUpload(bytes: Uint8Array): string | { html: string; warnings?: string[] };
  docxToHtml(bytes: Uint8Array, options: { sink: BlobStore; prefix: string; assetsBaseUrl: string }): Promise<{ html: string; warnings: string[] }>;
}

export interface ContentFileDeps {
  readonly uploads: {
    presignPut(key: string, expiresInSeconds: number): Promise<{ url: string; headers: Record<string, string> }>;
    get(key: string): Promise<Uint8Array | undefined>;
  };
  readonly assets: BlobStore;
  readonly assetsBaseUrl: string;
  readonly importers: ContentImporters;
}

export const contentUploadSchema = z
  .object({
    fileName: z.string().trim().min(1).max(200),
    size: z.number().int().positive().max(maxContentUploadBytes, `At most ${maxContentUploadBytes / 1024 / 1024} MB`),
    contentType: z.string().max(255).optional(),
  })
  .strict()
  .meta({ description: 'A file to upload as the campaign\'s content: .zip (a whole EDM), .html / .htm, or .docx' });

export const contentImportSchema = z.object({ key: z.string().min(1).max(1024) }).strict().meta({ description: 'The uploaded file to turn into the campaign\'s HTML' });

const kindOf = (fileName: string): ContentKind | undefined => kinds[(/\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? '') as keyof typeof kinds];
const uploadPrefix = (ws: string, campaignId: string) => `content/${ws}/${campaignId}/`;
/** Keeps a readable name but nothing that could leave the upload's folder. */
const safeName = (fileName: string) => fileName.replace(/[\\/]/g, '_').replace(/[^\p{L}\p{N}._ -]/gu, '_').slice(-120);

export async function createContentUpload(deps: CampaignDeps, files: ContentFileDeps, principal: Principal, id: string, body: unknown) {
  const input = parseInput(contentUploadSchema, body, 'content upload');
  if (!kindOf(input.fileName)) {
    throw new ValidationError('Upload a .zip, .html, .htm or .docx file', [{ field: 'fileName', message: `${input.fileName} is none of .zip, .html, .htm, .docx` }]);
  }
  const campaign = await visibleCampaign(deps, principal, id);
  const key = `${uploadPrefix(principal.workspaceId, campaign.id)}${ulid()}/${safeName(input.fileName)}`;
  const { url, headers } = await files.uploads.presignPut(key, 900);
  return { key, uploadUrl: url, headers, expiresInSeconds: 900 };
}

export const maxAudienceUploadBytes = 50 * 1024 * 1024;
const listKinds = new Set(['csv', 'tsv', 'txt', 'xlsx']);

export const audienceUploadSchema = z
  .object({
    fileName: z.string().trim().min(1).max(200),
    size: z.number().int().positive().max(maxAudienceUploadBytes, `At most ${maxAudienceUploadBytes / 1024 / 1024} MB`),
    contentType: z.string().max(255).optional(),
  })
  .strict()
  .meta({ description: 'A recipient list to upload (.csv, .tsv, .txt or .xlsx; a header row names the merge fields)' });

/**
 * A presigned upload for an audience file; the campaign's audience then names it as
 * `{ kind: 'upload', key, fileName }`. Keys are `lists/<ws>/<campaign>/<upload>/<name>`: the
 * freeze reads only keys under the launcher's workspace.
 */
export async function createAudienceUpload(deps: CampaignDeps, files: ContentFileDeps, principal: Principal, id: string, body: unknown) {
  const input = parseInput(audienceUploadSchema, body, 'audience upload');
  const extension = /\.([a-z0-9]+)$/i.exec(input.fileName)?.[1]?.toLowerCase() ?? '';
  if (!listKinds.has(extension)) {
    throw new ValidationError('Upload a .csv, .tsv, .txt or .xlsx file', [{ field: 'fileName', message: `${input.fileName} is none of .csv, .tsv, .txt, .xlsx` }]);
  }
  const campaign = await visibleCampaign(deps, principal, id);
  const key = `lists/${principal.workspaceId}/${campaign.id}/${ulid()}/${safeName(input.fileName)}`;
  const { url, headers } = await files.uploads.presignPut(key, 900);
  return { key, fileName: input.fileName, uploadUrl: url, headers, expiresInSeconds: 900 };
}

export async function importContent(deps: CampaignDeps, files: ContentFileDeps, principal: Principal, id: string, body: unknown): Promise<{ campaign: Campaign; warnings: string[] }> {
  const { key } = parseInput(contentImportSchema, body, 'content import');
  const campaign = await visibleCampaign(deps, principal, id);
  const prefix = uploadPrefix(principal.workspaceId, campaign.id);
  if (!key.startsWith(prefix) || key.includes('..')) throw new ValidationError('That file was not uploaded for this campaign', [{ field: 'key', message: `Must start with ${prefix}` }]);
  const kind = kindOf(key);
  if (!kind) throw new ValidationError('Upload a .zip, .html, .htm or .docx file', [{ field: 'key', message: 'Unknown file type' }]);
  const bytes = await files.uploads.get(key);
  if (!bytes) throw new ValidationError('The file has not been uploaded (or has expired)', [{ field: 'key', message: 'No such upload' }]);
  const uploadId = key.slice(prefix.length).split('/')[0] ?? ulid();
  const hosting = { sink: files.assets, prefix: `edm/${principal.workspaceId}/${campaign.id}/${uploadId}/`, assetsBaseUrl: files.assetsBaseUrl };

  let html: string;
  let warnings: string[];
  if (kind === 'zip') ({ html, warnings } = await files.importers.unpackEdmZip(bytes, hosting));
  else if (kind === 'docx') ({ html, warnings } = await files.importers.docxToHtml(bytes, hosting));
  else {
    const decoded = files.importers.htmlFromUpload(bytes);
    html = typeof decoded === 'string' ? decoded : decoded.html;
    warnings = typeof decoded === 'string' ? [] : [...(decoded.warnings ?? [])];
  }
  const content: CampaignContent = {
    ...campaign.content,
    html,
    source: kind,
    ...(kind === 'html' ? {} : { assetsPrefix: hosting.prefix }),
  };
  const updated = await updateCampaign(deps, principal, campaign.id, { content });
  return { campaign: updated, warnings };
}
