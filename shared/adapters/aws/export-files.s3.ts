/**
 * ExportFiles on the reports bucket (S3; s3rver locally through the same SDK calls). A sink
 * buffers one part (8 MiB, above S3's 5 MiB minimum) and uploads it as a multipart part, so a
 * file of any size passes through a flat amount of memory; a file that never fills a part is one
 * PutObject. Presigned GET links carry a Content-Disposition, so the browser saves the file
 * under its name.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketName } from '../../config';
import type { ExportFiles, FileSink } from '../../exports/ports';
import { s3Client } from './blob-store.s3';

export const partBytes = 8 * 1024 * 1024;

class MultipartSink implements FileSink {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private uploadId?: string;
  private readonly parts: { PartNumber: number; ETag: string }[] = [];

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType: string,
    private readonly partSize: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    if (this.size >= this.partSize) await this.uploadPart();
  }

  private take(): Buffer {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return body;
  }

  private async uploadPart(): Promise<void> {
    this.uploadId ??= (
      await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }))
    ).UploadId as string;
    const partNumber = this.parts.length + 1;
    const { ETag } = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: this.take() }),
    );
    this.parts.push({ PartNumber: partNumber, ETag: ETag as string });
  }

  async end(): Promise<void> {
    if (!this.uploadId) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: this.take(), ContentType: this.contentType }));
      return;
    }
    if (this.size > 0) await this.uploadPart();
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  async abort(): Promise<void> {
    this.chunks = [];
    this.size = 0;
    if (!this.uploadId) return;
    // Left-over parts cost storage until aborted (the bucket's lifecycle also cleans them up).
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }));
  }
}

export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3Client(),
    private readonly partSize = partBytes,
  ) {}

  openSink(key: string, contentType: string): FileSink {
    return new MultipartSink(this.client, this.bucket, key, contentType, this.partSize);
  }

  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string> {
    const disposition = `attachment; filename="${downloadName.replace(/[^\w.-]/g, '_')}"`;
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentDisposition: disposition }), {
      expiresIn: expiresInSeconds,
    });
  }
}

export function exportFilesFromEnv(): ExportFiles {
  return new S3ExportFiles(bucketName('reports'));
}
