import { AwsAdapterError } from './aws-adapter.error';

export interface PageTokens<P> {
  /** The operation, as IAM names it (`ec2:DescribeSecurityGroups`), for the message. */
  operation: string;
  /** The token of the next page the page gives (`NextToken`, `NextContinuationToken` …). */
  next: (page: P) => string | null | undefined;
  /** True when the page says more pages follow (S3's `IsTruncated`); only for APIs that say so. */
  truncated?: (page: P) => boolean | undefined;
}

/**
 * The pages of an SDK paginator, refusing the answers that would make it read wrongly: a next
 * token AWS has already given (the SDK's paginator would ask for the same pages again, forever),
 * or a page that says more follow without saying where (the paginator would stop, and the rest
 * would be lost without a word). Either fails the read with `AWS.UNEXPECTED_RESPONSE` naming the
 * operation, before another request is sent.
 */
export async function* guardedPages<P>(pages: AsyncIterable<P>, tokens: PageTokens<P>): AsyncGenerator<P> {
  const seen = new Set<string>();
  let page = 0;
  for await (const current of pages) {
    page += 1;
    const next = tokens.next(current);
    if (next) {
      if (seen.has(next)) {
        throw new AwsAdapterError(
          'AWS.UNEXPECTED_RESPONSE',
          `${tokens.operation} returned on page ${page} a pagination token it had already returned: reading on would repeat the same pages forever`,
          { operation: tokens.operation, page },
        );
      }
      seen.add(next);
    } else if (tokens.truncated?.(current) === true) {
      throw new AwsAdapterError(
        'AWS.UNEXPECTED_RESPONSE',
        `${tokens.operation} said on page ${page} that more results follow but gave no token to read them with`,
        { operation: tokens.operation, page },
      );
    }
    yield current;
  }
}
