import type { S3Client } from '@aws-sdk/client-s3';
import { s3Sdk } from '../aws/aws-sdk';
import { ConcurrencyLimiter } from '../aws/concurrency-limiter';
import type { AwsTarget } from '../aws/aws-target';
import type { S3Location } from './scan-prefixes';

export interface S3ClientProvider {
  s3(target: AwsTarget): S3Client;
}

export interface ListedSize {
  bytes: number;
  objects: number;
  /** False when the listing stopped early (deadline or object cap): `bytes` is then a lower bound. */
  complete: boolean;
}

export interface ListingLimits {
  /** Stop listing after this many objects (the API's quick check). */
  maxObjects?: number;
  /** Stop listing when `performance.now()` passes this. */
  deadline?: number;
  signal?: AbortSignal;
}

/** Prefixes listed at once; ListObjectsV2 is cheap but rate-limited per prefix. */
const LISTING_CONCURRENCY = 4;

/**
 * The bytes stored under some S3 prefixes: ListObjectsV2 through the SDK's paginator (1000 keys
 * a page), the sizes summed. What Athena scans of text flow logs is what is stored (gzip objects
 * are read whole); of Parquet it is at most that.
 */
export class S3ScanEstimator {
  constructor(private readonly clients: S3ClientProvider) {}

  async size(target: AwsTarget, locations: readonly S3Location[], limits: ListingLimits = {}): Promise<ListedSize> {
    const client = this.clients.s3(target);
    const { paginateListObjectsV2 } = s3Sdk();
    const total: ListedSize = { bytes: 0, objects: 0, complete: true };
    const stopped = () =>
      (limits.maxObjects !== undefined && total.objects >= limits.maxObjects) ||
      (limits.deadline !== undefined && performance.now() > limits.deadline);
    await new ConcurrencyLimiter(LISTING_CONCURRENCY).map(locations, async (location) => {
      for await (const page of paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: location.bucket, Prefix: location.prefix })) {
        limits.signal?.throwIfAborted();
        for (const object of page.Contents ?? []) {
          total.bytes += object.Size ?? 0;
          total.objects += 1;
        }
        if (stopped()) {
          total.complete = false;
          return;
        }
      }
    });
    return total;
  }
}
