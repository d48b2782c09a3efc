/**
 * An S3-protocol server on 127.0.0.1 for tests: s3rver (npm), which answers the S3 REST API
 * (SigV4-signed requests, ListObjectsV2, Get/Put/DeleteObjects) from a temporary folder. The real
 * AWS SDK v3 client talks to it over HTTP, so uploads are tested on the wire.
 *
 * What s3rver does not cover (so these tests do not either): multipart uploads of large files
 * beyond what PutObject sends, the SDK's default CRC32 checksums (the storage turns them off:
 * 'WHEN_REQUIRED', which MinIO and AWS accept too), SigV4 signatures (s3rver 3.7.1 leaves their check
 * unimplemented: a wrong secret passes; only an unknown access key id is refused), IAM policies, bucket versioning, object lock, virtual-host addressing
 * (path-style only), and AWS-specific errors beyond the common ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
// s3rver ships no types; its constructor and run/close are all the tests use.
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  dir: string;
  client: S3Client;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 (a free port) with the named buckets. */
export async function startS3(buckets: string[]): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modeldeck-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    endpoint,
    dir,
    client,
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What KServe's storage-initializer does for s3://bucket/prefix: every object under it into `dest`. */
export async function downloadPrefix(client: S3Client, bucket: string, prefix: string, dest: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : '' }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  for (const key of keys) {
    const rel = prefix ? key.slice(prefix.length + 1) : key;
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const file = path.join(dest, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await res.Body!.transformToByteArray());
  }
  return keys.map((k) => (prefix ? k.slice(prefix.length + 1) : k));
}
