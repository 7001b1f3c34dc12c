/**
 * Browser uploads to presigned S3 URLs. XMLHttpRequest rather than fetch: only it reports upload
 * progress. A multipart upload sends the file's slices one after another (never the file whole in
 * memory) and collects each part's ETag, which S3 needs to assemble the object.
 */
import { type CreatedImport } from './jobs-api';

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** One PUT; resolves with the ETag response header ('' when the server hid it). */
function put(url: string, body: Blob, headers: Readonly<Record<string, string>>, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) {
      // The browser sets these itself and refuses to be told.
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr.getResponseHeader('ETag') ?? '');
      } else reject(new UploadError(`HTTP ${xhr.status}`, xhr.status));
    };
    xhr.onerror = () => reject(new UploadError('network'));
    xhr.onabort = () => reject(new UploadError('aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** One presigned PUT of a whole file (an EDM's ZIP, HTML or DOCX); `onProgress` gets bytes sent so far. */
export async function putFile(url: string, file: Blob, headers: Readonly<Record<string, string>>, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<void> {
  await put(url, file, headers, onProgress, signal);
}

export interface UploadResult {
  /** Set for a multipart upload: what POST /imports/{id}/complete needs. */
  readonly parts?: { partNumber: number; etag: string }[];
}

/** Uploads `file` the way the API asked; `onProgress` gets bytes sent so far. */
export async function uploadFile(created: CreatedImport, file: File, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<UploadResult> {
  if (created.upload) {
    await put(created.upload.url, file, created.upload.headers ?? {}, onProgress, signal);
    return {};
  }
  const multipart = created.multipart;
  if (!multipart) throw new UploadError('The API gave no upload URL.');
  const parts: { partNumber: number; etag: string }[] = [];
  let done = 0;
  for (const part of [...multipart.parts].sort((a, b) => a.partNumber - b.partNumber)) {
    const start = (part.partNumber - 1) * multipart.partSize;
    const slice = file.slice(start, Math.min(start + multipart.partSize, file.size));
    const etag = await put(part.url, slice, {}, (sent) => onProgress(done + sent), signal);
    if (!etag) throw new UploadError('The storage did not reveal the ETag of an uploaded part (CORS ExposeHeaders).');
    parts.push({ partNumber: part.partNumber, etag });
    done += slice.size;
  }
  return { parts };
}
