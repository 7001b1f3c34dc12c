/**
 * BlobStore port over S3 (SDK v3). Locally the same adapter talks to s3rver, path-style,
 * through AWS_ENDPOINT_URL_S3 and S3_FORCE_PATH_STYLE.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { bucketName, clientOptions, s3ForcePathStyle } from '../../config';
import type { BucketName } from '../../../infra/manifest';
import type { BlobStore } from '../../ports/blob-store';

let sharedClient: S3Client | undefined;

/** One client per container, built on first use. */
export function s3Client(): S3Client {
  sharedClient ??= new S3Client({ ...clientOptions('S3'), forcePathStyle: s3ForcePathStyle() });
  return sharedClient;
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = s3Client(),
  ) {}

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return output.Body ? await output.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      // s3rver answers NoSuchKey too; some S3-compatible stores only give the 404 status.
      if (error instanceof NoSuchKey || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      page.Contents?.forEach((object) => object.Key && keys.push(object.Key));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}

/** The bucket a function was bound to in the manifest, from its environment variable. */
export function s3BlobStore(bucket: BucketName): BlobStore {
  return new S3BlobStore(bucketName(bucket));
}
