import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AwsClientFactory } from '../../../src/aws/aws-client.factory';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { FakeHttpHandler } from '../../support/aws/fake-http-handler';

/**
 * The snapshotter through real EC2 clients: requests serialised and signed by the SDK, answered
 * with the XML EC2 sends (aws-sdk-client-mock would patch every EC2 client of a file, so these
 * live apart from ec2-snapshotter.spec.ts).
 */
const target = { accountId: '111122223333', region: 'eu-west-1' };

describe('Ec2Snapshotter over the EC2 wire protocol', () => {
  const staticCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  /** Every Describe call answers with an empty result, as EC2 does for an account without those resources. */
  const empty = (action: string) => ({
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId></${action}Response>`,
  });
  const unauthorized = {
    status: 403,
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>b5fe2b5b-8e3e-4f1f-9a3c-EXAMPLE</RequestID></Response>',
  };
  const actionOf = (body: string) => new URLSearchParams(body).get('Action') ?? '';

  it('says which call EC2 refused, in which account and region, and does not retry it', async () => {
    const handler = new FakeHttpHandler((request) => {
      const action = actionOf(request.body);
      return action === 'DescribeFlowLogs' ? unauthorized : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const error = await new Ec2Snapshotter(factory).snapshot(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403, attempts: 1 } });
    expect((error as Error).message).toBe(
      'ec2:DescribeFlowLogs (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    );
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeFlowLogs')).toHaveLength(1);
  });

  it('says which prefix-list read was refused', async () => {
    const handler = new FakeHttpHandler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeManagedPrefixLists') {
        return {
          status: 200,
          body: '<DescribeManagedPrefixListsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><prefixListSet><item><prefixListId>pl-0123456789abcdef0</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListName>office</prefixListName><maxEntries>10</maxEntries><version>3</version><ownerId>111122223333</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>',
        };
      }
      return action === 'GetManagedPrefixListEntries' ? unauthorized : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    await expect(new Ec2Snapshotter(factory).snapshot(target)).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'ec2:GetManagedPrefixListEntries (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    });
  });

  it('when throttling outlasts the retries, the analysis is told which call was throttled and tries again later', async () => {
    const throttled = {
      status: 503,
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>d3c1e5a0-1a2b-4c3d-8e9f-EXAMPLE</RequestID></Response>',
    };
    const handler = new FakeHttpHandler((request) => {
      const action = actionOf(request.body);
      return action === 'DescribeVpcs' ? throttled : empty(action);
    });
    const factory = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: new ConfiguredRetryStrategy(3, 1) },
    });
    const error = await new Ec2Snapshotter(factory).snapshot(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503, attempts: 3 } });
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeVpcs')).toHaveLength(3);
    expect(classifyFailure(error)).toEqual({
      code: 'AWS.THROTTLED',
      reason:
        'AWS throttled the request (RequestLimitExceeded): ec2:DescribeVpcs (account 111122223333, eu-west-1): Request limit exceeded.; the analysis is retried later',
      permanent: false,
    });
  });
});
