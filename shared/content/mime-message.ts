/**
 * Writes a MIME tree (RFC 2045/2046) to bytes: leaves carry bodies already transfer-encoded,
 * multiparts get boundaries derived from a per-message key. Header lines must be ASCII.
 */
import type { TransferEncoding } from './mime-encoding';

export interface MimeLeaf {
  /** The full Content-Type value, parameters included. */
  readonly contentType: string;
  readonly encoding: TransferEncoding;
  /** Transfer-encoded, CRLF line ends. */
  readonly body: Uint8Array;
  /** Further header lines (Content-ID, Content-Disposition). */
  readonly headers?: readonly string[];
}

export interface MimeMultipart {
  readonly multipart: 'mixed' | 'related' | 'alternative';
  readonly parts: readonly MimeNode[];
}

export type MimeNode = MimeLeaf | MimeMultipart;

const CRLF = '\r\n';

export function writeMessage(headers: readonly string[], root: MimeNode, boundaryKey: string): Buffer {
  const chunks: Uint8Array[] = [];
  const text = (s: string): void => {
    chunks.push(Buffer.from(s, 'latin1'));
  };
  let depth = 0;
  const write = (node: MimeNode, extraHeaders: readonly string[]): void => {
    const lines = [...extraHeaders];
    if ('multipart' in node) {
      // Neither base64 nor quoted-printable can produce "=_", so the boundary never occurs in a body.
      const boundary = `=_pigeon_${depth++}_${boundaryKey}`;
      lines.push(`Content-Type: multipart/${node.multipart};${CRLF} boundary="${boundary}"`);
      text(`${lines.join(CRLF)}${CRLF}${CRLF}`);
      for (const part of node.parts) {
        text(`--${boundary}${CRLF}`);
        write(part, []); // ends with CRLF, which RFC 2046 counts as part of the next delimiter
      }
      text(`--${boundary}--${CRLF}`);
      return;
    }
    lines.push(`Content-Type: ${node.contentType}`, `Content-Transfer-Encoding: ${node.encoding}`, ...(node.headers ?? []));
    text(`${lines.join(CRLF)}${CRLF}${CRLF}`);
    chunks.push(node.body);
    const last = node.body[node.body.length - 1];
    if (last !== 0x0a) text(CRLF);
  };
  write(root, [...headers, 'MIME-Version: 1.0']);
  return Buffer.concat(chunks);
}
