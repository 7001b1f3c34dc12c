/**
 * ImportFiles over S3 (SDK v3 + the request presigner). Locally the same code talks to s3rver,
 * path-style, so presigned URLs point at s3rver's endpoint, which a browser on the machine reaches.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketName } from '../../config';
import { ValidationError } from '../../errors';
import type { ImportFiles, ReportSink } from '../../imports/job/ports';
import { s3Client } from './blob-store.s3';

const statusOf = (error: unknown): number | undefined => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
/** Parts of a streamed upload: over S3's 5 MiB minimum, small enough to keep memory flat. */
const sinkPartBytes = 8 * 1024 * 1024;

export class S3ImportFiles implements ImportFiles {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3Client(),
  ) {}

  async presignPut(key: string, expiresIn: number) {
    const url = await getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
    return { url, headers: {} };
  }

  async startMultipart(key: string, contentType?: string): Promise<string> {
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }));
    return out.UploadId as string;
  }

  presignPart(key: string, uploadId: string, partNumber: number, expiresIn: number): Promise<string> {
    return getSignedUrl(this.client, new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }), { expiresIn });
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'NoSuchUpload'].includes(name) || statusOf(error) === 400) {
        throw new ValidationError(`The parts do not complete the upload (${name}): upload every part and send each part's ETag`, [{ field: 'parts', message: name }]);
      }
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (error) {
      if (statusOf(error) === 404 || (error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const body = out.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) return;
    for await (const chunk of body) yield chunk;
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (statusOf(error) === 404 || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  openSink(key: string, contentType: string): ReportSink {
    const { client, bucket } = this;
    let buffered: Buffer[] = [];
    let size = 0;
    let uploadId: string | undefined;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const flush = async () => {
      uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }))).UploadId as string;
      const body = Buffer.concat(buffered);
      buffered = [];
      size = 0;
      const partNumber = parts.length + 1;
      const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
      parts.push({ PartNumber: partNumber, ETag: out.ETag as string });
    };
    return {
      async write(text) {
        const chunk = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
        buffered.push(chunk);
        size += chunk.length;
        if (size >= sinkPartBytes) await flush();
      },
      async end() {
        if (!uploadId) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(buffered), ContentType: contentType }));
          return;
        }
        if (size > 0) await flush();
        await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      },
      async abort() {
        if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      },
    };
  }

  presignGet(key: string, expiresIn: number, downloadName: string): Promise<string> {
    const disposition = `attachment; filename="${downloadName.replace(/[^\x20-\x7e]|"/g, '_')}"`;
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: disposition }), { expiresIn });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }
}

export function importFilesFromEnv(): ImportFiles {
  return new S3ImportFiles(bucketName('uploads'));
}
