/**
 * A resolved storage URI (`kserve.storageUri` after `{model}`, `{version}`, `{artifact}`) as a place
 * ModelDeck can upload to. Pure.
 */
import { ArtifactError } from './artifactTypes';

/** Where an upload goes. `prefix` never starts or ends with '/' ('' = the bucket's or claim's root). */
export type StorageTarget =
  | { scheme: 's3'; bucket: string; prefix: string; uri: string }
  | { scheme: 'gs'; bucket: string; prefix: string; uri: string }
  | { scheme: 'pvc'; claim: string; prefix: string; uri: string };

/** Parses a storage URI; throws ArtifactError "unsupported" for what ModelDeck cannot upload to (https://, hf://, …). */
export function parseStorageTarget(uri: string): StorageTarget {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(?:\/(.*))?$/.exec(uri.trim());
  if (!m) throw new ArtifactError('unsupported', `storage URI ${JSON.stringify(uri)}: expected s3://bucket/path, gs://bucket/path or pvc://claim/path`);
  const [, scheme, host, rest] = m as unknown as [string, string, string, string | undefined];
  const prefix = (rest ?? '').replace(/\/+$/, '').replace(/^\/+/, '');
  if (prefix.split('/').some((s) => s === '..')) throw new ArtifactError('unsupported', `storage URI ${uri}: ".." is not allowed in the path`);
  switch (scheme) {
    case 's3':
      return { scheme, bucket: host, prefix, uri };
    case 'gs':
      return { scheme, bucket: host, prefix, uri };
    case 'pvc':
      return { scheme, claim: host, prefix, uri };
    default:
      throw new ArtifactError(
        'unsupported',
        `storage URI ${uri}: ModelDeck uploads to s3:// (and MinIO), gs:// and pvc://; copy the files to a ${scheme}:// location yourself`,
      );
  }
}

/** The object key / path of an artifact file under the target. */
export function keyOf(target: StorageTarget, rel: string): string {
  return target.prefix ? `${target.prefix}/${rel}` : rel;
}
