import { describe, expect, it } from 'vitest';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { withFailedCall } from '../../../src/aws/failed-call.util';

const where = { accountId: '111122223333', region: 'eu-west-1' };
const refusal = () =>
  Object.assign(new Error('You are not authorized to perform this operation.'), {
    name: 'UnauthorizedOperation',
    $fault: 'client',
    $metadata: { httpStatusCode: 403, attempts: 1 },
  });

describe('withFailedCall', () => {
  it('names the call, account and region and keeps what decides retrying', () => {
    const error = withFailedCall(refusal(), 'ec2:DescribeVpcs', where);
    expect(error).toMatchObject({
      name: 'UnauthorizedOperation',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'ec2:DescribeVpcs (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    });
  });

  it('names an error once, even when it reaches several calls (a credential refresh they shared)', () => {
    const shared = refusal();
    withFailedCall(shared, 'ec2:DescribeVpcs', where);
    withFailedCall(shared, 'ec2:DescribeSecurityGroups', where);
    expect(shared.message).toBe('ec2:DescribeVpcs (account 111122223333, eu-west-1): You are not authorized to perform this operation.');
  });

  it('leaves sgdoctor’s own errors and cancellations as they are', () => {
    const own = new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'ec2:DescribeVpcs returned a token twice');
    expect((withFailedCall(own, 'ec2:DescribeVpcs', where) as Error).message).toBe('ec2:DescribeVpcs returned a token twice');
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect((withFailedCall(abort, 'ec2:DescribeVpcs', where) as Error).message).toBe('This operation was aborted');
  });
});
