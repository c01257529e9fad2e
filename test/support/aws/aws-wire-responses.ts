import type { Vpc } from '../../../src/engine/network/snapshot';
import type { FakeResponse, RecordedRequest } from './fake-http-handler';
import type { AthenaEmulator } from './aws-athena-emulator';

/**
 * Wire-level AWS responses for a fake HTTP handler under real SDK clients, so requests pass the
 * whole middleware stack (serialisation, signing, the retry strategy) as they do against AWS.
 */

const AMZ_JSON = { 'content-type': 'application/x-amz-json-1.1' };

/** The Athena operation of a JSON-protocol request (`X-Amz-Target: AmazonAthena.<Operation>`), if it is one. */
export function athenaOperation(request: RecordedRequest): string | null {
  const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
  return target?.startsWith('AmazonAthena.') ? target.slice('AmazonAthena.'.length) : null;
}

/** An Athena error body as the service sends it (awsJson1_1: `__type` and `message`). */
export function athenaError(type: string, message: string, status = 400): FakeResponse {
  return { status, headers: AMZ_JSON, body: JSON.stringify({ __type: type, message }) };
}

/** An EC2 query-protocol error document. */
export function ec2Error(code: string, message: string, status = 503): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestID></Response>`,
  };
}

/** Serves an Athena JSON request from the emulator; timestamps travel as epoch seconds. */
export async function athenaResponse(emulator: AthenaEmulator, operation: string, body: string): Promise<FakeResponse> {
  const input = JSON.parse(body || '{}');
  const handlers: Record<string, () => unknown> = {
    StartQueryExecution: () => emulator.startQueryExecution(input),
    GetQueryExecution: () => emulator.getQueryExecution(input),
    StopQueryExecution: () => emulator.stopQueryExecution(input),
    GetQueryResults: () => emulator.getQueryResults(input),
    GetTableMetadata: () => emulator.getTableMetadata(input),
  };
  const handler = handlers[operation];
  if (!handler) return athenaError('InvalidRequestException', `operation ${operation} is not served here`);
  try {
    const output = (await handler()) as Record<string, unknown>;
    const { $metadata: _metadata, ...members } = output;
    return {
      status: 200,
      headers: AMZ_JSON,
      body: JSON.stringify(members, function (this: Record<string, unknown>, key, value) {
        const original = this[key];
        return original instanceof Date ? original.getTime() / 1000 : value;
      }),
    };
  } catch (error) {
    const { name, message } = error as Error;
    return athenaError(name, message);
  }
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const items = <T>(list: readonly T[] | undefined, render: (item: T) => string) =>
  (list ?? []).map((item) => `<item>${render(item)}</item>`).join('');
const text = (value: string | undefined) => xml(value ?? '');

/** A DescribeVpcs page in EC2's XML (vpcSet items, lower-camel member names, nextToken). */
export function describeVpcsXml(vpcs: readonly Vpc[], nextToken?: string): FakeResponse {
  const vpc = (v: Vpc) =>
    `<vpcId>${text(v.VpcId)}</vpcId><ownerId>${text(v.OwnerId)}</ownerId><cidrBlock>${text(v.CidrBlock)}</cidrBlock>` +
    `<cidrBlockAssociationSet>${items(v.CidrBlockAssociationSet, (a) => `<cidrBlock>${text(a.CidrBlock)}</cidrBlock><cidrBlockState><state>${text(a.CidrBlockState?.State)}</state></cidrBlockState>`)}</cidrBlockAssociationSet>` +
    `<ipv6CidrBlockAssociationSet>${items(v.Ipv6CidrBlockAssociationSet, (a) => `<ipv6CidrBlock>${text(a.Ipv6CidrBlock)}</ipv6CidrBlock><ipv6CidrBlockState><state>${text(a.Ipv6CidrBlockState?.State)}</state></ipv6CidrBlockState>`)}</ipv6CidrBlockAssociationSet>` +
    `<isDefault>${String(v.IsDefault ?? false)}</isDefault>` +
    `<tagSet>${items(v.Tags, (t) => `<key>${text(t.Key)}</key><value>${text(t.Value)}</value>`)}</tagSet>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body:
      '<?xml version="1.0" encoding="UTF-8"?><DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' +
      `<requestId>0e8f3c9d-5b1a-4c2e-9f7d-EXAMPLE${vpcs.length}</requestId><vpcSet>${items(vpcs, vpc)}</vpcSet>` +
      (nextToken ? `<nextToken>${nextToken}</nextToken>` : '') +
      '</DescribeVpcsResponse>',
  };
}
