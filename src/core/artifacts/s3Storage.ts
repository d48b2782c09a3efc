/**
 * s3:// through the AWS SDK v3 S3 client, which also speaks to MinIO and other S3-compatible
 * stores. Credentials and region come from the SDK's default chain (AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, web identity, instance roles), like the aws CLI;
 * an endpoint (MinIO) from `endpoint` or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (then path-style
 * addressing, which MinIO needs).
 */
import { createReadStream } from 'node:fs';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ArtifactError } from './artifactTypes';
import type { RemoteArtifactStorage, UploadFile } from './artifactUpload';
import { keyOf } from './storageTarget';
import type { StorageTarget } from './storageTarget';

/** How to reach the S3 API. */
export interface S3Options {
  /** e.g. http://minio.example.com:9000; omitted: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /** Default: AWS_REGION / the profile's, else us-east-1 (MinIO ignores it). */
  region?: string;
  /** Static credentials (tests); omitted: the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style URLs (bucket in the path); default: true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Environment to read AWS_ENDPOINT_URL* from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export class S3Storage implements RemoteArtifactStorage {
  readonly uri: string;
  private readonly client: S3Client;

  constructor(
    private readonly target: Extract<StorageTarget, { scheme: 's3' }>,
    opts: S3Options = {},
  ) {
    this.uri = target.uri;
    const env = opts.env ?? process.env;
    const endpoint = opts.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    const config: S3ClientConfig = {
      region: opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: opts.forcePathStyle ?? true } : opts.forcePathStyle !== undefined ? { forcePathStyle: opts.forcePathStyle } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      // Since 3.729 the SDK adds CRC32 checksums to every upload by default; S3-compatible stores
      // that predate them (older MinIO, s3rver) refuse or ignore the trailer. Only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.client = new S3Client(config);
  }

  async list(signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    const prefix = this.target.prefix ? `${this.target.prefix}/` : '';
    let token: string | undefined;
    do {
      const page = await this.call('list', () => this.client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal }));
      for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push(o.Key.slice(prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  async readText(rel: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: keyOf(this.target, rel) }), { abortSignal: signal });
      return await res.Body?.transformToString('utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storageError('read', this.uri, err);
    }
  }

  async write(files: readonly UploadFile[], onFile: (file: UploadFile) => void, signal?: AbortSignal): Promise<void> {
    for (const f of files) {
      signal?.throwIfAborted();
      // A file is streamed with its length (PutObject needs it for a stream); text is sent as is.
      const body = 'file' in f.source ? createReadStream(f.source.file) : f.source.text;
      await this.call('upload', () =>
        this.client.send(new PutObjectCommand({ Bucket: this.target.bucket, Key: keyOf(this.target, f.path), Body: body, ContentLength: f.size, ContentType: contentType(f.path) }), { abortSignal: signal }),
      );
      onFile(f);
    }
  }

  async remove(rels: readonly string[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < rels.length; i += 1000) {
      const Objects = rels.slice(i, i + 1000).map((r) => ({ Key: keyOf(this.target, r) }));
      const res = await this.call('delete', () => this.client.send(new DeleteObjectsCommand({ Bucket: this.target.bucket, Delete: { Objects, Quiet: true } }), { abortSignal: signal }));
      if (res.Errors && res.Errors.length > 0) throw new ArtifactError('storage', `cannot delete from ${this.uri}: ${res.Errors.map((e) => `${e.Key}: ${e.Message ?? e.Code}`).join('; ')}`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw storageError(what, this.uri, err);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function storageError(what: string, uri: string, err: unknown): ArtifactError {
  if (err instanceof ArtifactError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'AbortError') return new ArtifactError('storage', `${what} ${uri}: cancelled`, { cause: err });
  const status = e?.$metadata?.httpStatusCode;
  const hint =
    e?.name === 'NoSuchBucket'
      ? ' (the bucket does not exist)'
      : status === 403 || e?.name === 'AccessDenied' || e?.name === 'InvalidAccessKeyId' || e?.name === 'SignatureDoesNotMatch'
        ? ' (the credentials were refused: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE)'
        : e?.name === 'CredentialsProviderError'
          ? ' (no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)'
          : '';
  return new ArtifactError('storage', `${what} ${uri} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${hint}`, { cause: err });
}

function contentType(p: string): string {
  if (p.endsWith('.json')) return 'application/json';
  if (p.endsWith('.txt') || p.endsWith('.py') || p.endsWith('.js') || p.endsWith('.ts')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
