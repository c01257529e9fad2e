import { AthenaClient } from '@aws-sdk/client-athena';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { AthenaTableInspector } from '../../../src/aws/athena-table-inspector';
import { FakeHttpHandler, type FakeResponse } from '../../support/aws/fake-http-handler';

/**
 * The table inspector through a real AthenaClient, answered with the JSON 1.1 Athena sends for
 * GetTableMetadata: its refusals and Glue's "not found" name neither the call nor the account and
 * region the analysis read them in.
 */
const target = { accountId: '111122223333', region: 'eu-west-1' };
const table = { database: 'vpc_logs', table: 'flow_logs' };
const error = (type: string, message: string, status = 400): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'b1c2d3e4-0000-4000-8000-EXAMPLE00001' },
  body: JSON.stringify({ __type: type, Message: message }),
});

function inspector(handler: FakeHttpHandler): AthenaTableInspector {
  const client = new AthenaClient({
    region: target.region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: handler,
    retryStrategy: new ConfiguredRetryStrategy(2, 1),
  });
  return new AthenaTableInspector({ athena: () => client });
}

describe('AthenaTableInspector over the Athena wire protocol', () => {
  it('a table Glue does not know (MetadataException) is named with the call, the table, the account and the region', async () => {
    const handler = new FakeHttpHandler(() =>
      error(
        'MetadataException',
        'EntityNotFoundException: Table flow_logs not found. (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException)',
      ),
    );
    const failure = await inspector(handler)
      .read(target, table)
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'MetadataException', $fault: 'client' });
    expect((failure as Error).message).toBe(
      'athena:GetTableMetadata on vpc_logs.flow_logs (account 111122223333, eu-west-1): EntityNotFoundException: Table flow_logs not found. (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException)',
    );
    expect(handler.requests).toHaveLength(1);
  });

  it('throttling past the retries is named too, and keeps what makes it retryable', async () => {
    const handler = new FakeHttpHandler(() => error('TooManyRequestsException', 'Rate exceeded'));
    const failure = await inspector(handler)
      .read(target, { ...table, catalog: 'AwsDataCatalog' })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'TooManyRequestsException', $metadata: { attempts: 2 } });
    expect((failure as Error).message).toBe(
      'athena:GetTableMetadata on vpc_logs.flow_logs (account 111122223333, eu-west-1): Rate exceeded',
    );
  });
});
