/**
 * The rendering contract: the content module compiles a campaign's content once per run and
 * renders it per recipient into the exact MIME bytes handed to SES.
 */
import type { FrozenRecipient } from '../audience/types';
import type { CampaignContent, MailCharset } from '../campaigns/model';

/** What merge tags see: standard fields by name, custom fields under `custom.<name>`, plus `email`. */
export type RecipientFields = Readonly<Record<string, unknown>>;

/** Compiled once per run (Liquid templates parsed, assets resolved), reused for every recipient. */
export interface CompileContext {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly runId: string;
  /** Public base URL of the hosted-assets bucket (CloudFront / the sandbox), for images and links. */
  readonly assetsBaseUrl: string;
  /** Reads an uploaded attachment's bytes (assets bucket). */
  readonly readAsset: (key: string) => Promise<Uint8Array>;
  /**
   * A TrueType / OpenType font for generated PDF attachments (e.g. Noto Sans TC from the
   * cjk-fonts layer). Without it PDFs use Helvetica, which cannot draw CJK characters.
   */
  readonly pdfFont?: Uint8Array;
}

/** Codes the `{% qrcode %}` / `{% barcode %}` tags draw. */
export type CodeKind = 'qr' | 'code128' | 'ean13';

export interface RenderExtras {
  /** Rewrites each link in the HTML for click tracking (`linkIndex`: position in the document). */
  readonly rewriteLink?: (url: string, linkIndex: number) => string;
  /** One-click unsubscribe URL (RFC 8058): goes into List-Unsubscribe and `{{ unsubscribe_url }}`. */
  readonly unsubscribeUrl?: string;
  readonly openPixelUrl?: string;
  /** The recipient's public pages: `{{ forward_url }}`, `{{ comment_url }}`, `{{ subscribe_url }}`. */
  readonly pageUrls?: { readonly forward?: string; readonly comment?: string; readonly subscribe?: string };
  /** Message-ID domain and extra headers (e.g. X-Pigeon-Run). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Date header; tests pin it. */
  readonly date?: Date;
  /**
   * Public URL serving a code image (see codeImagePng). When given, `{% qrcode %}` / `{% barcode %}`
   * link to it; otherwise the PNG travels inside the message as an inline (CID) part.
   */
  readonly codeImageUrl?: (kind: CodeKind, value: string) => string;
  /** Codes in the plain-text part only: a link to the served image (the HTML keeps inline images). */
  readonly textCodeImageUrl?: (kind: CodeKind, value: string) => string;
}

export interface RenderedMessage {
  /** The complete MIME message in the campaign's charset (SES SendEmail Content.Raw). */
  readonly raw: Uint8Array;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly charset: MailCharset;
  readonly html: string;
  readonly text: string;
  readonly attachmentNames: readonly string[];
  readonly sizeBytes: number;
}

export interface PresendFinding {
  readonly code: 'unsubscribe.missing' | 'images.only' | 'text.missing' | 'size.large' | 'sender.unverified' | 'merge.unknown' | 'link.insecure' | 'charset.lossy' | 'template.invalid' | string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export type { CampaignContent, FrozenRecipient };
