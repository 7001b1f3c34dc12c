/**
 * The content module: compiles a campaign's content once per run, renders each recipient's
 * message as MIME bytes, checks content before sending, and imports HTML from uploads
 * (HTML files, ZIP archives, Word documents). See README.md.
 */
export { compileMessage, type CompiledMessage } from './compile';
export { renderMessage } from './render';
export { presendCheck, type PresendOptions } from './presend';
export { RecipientRenderError } from './errors';
export { unpackEdmZip, type EdmZipLimits, type EdmZipOptions, type UnpackedEdm } from './edm-zip';
export { htmlFromUpload, type DecodedHtml } from './html-decode';
export { docxToHtml, type DocxOptions } from './docx';
export { codeImagePng, codeKinds } from './codes';
export type { CodeKind, CompileContext, PresendFinding, RenderExtras, RenderedMessage, RecipientFields } from './render-types';
