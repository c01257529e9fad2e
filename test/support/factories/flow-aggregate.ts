import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';

/**
 * The one FlowAggregate builder of the tests: one REJECTed TCP record on `eni-1` with no
 * addresses, ports or optional fields, `fields` laid over it. Suites with defaults of their own
 * wrap it (`flowAggregate({ interfaceId: 'eni-web', ...fields })`).
 */
export function flowAggregate(fields: Partial<FlowAggregate> = {}): FlowAggregate {
  return {
    interfaceId: 'eni-1',
    accountId: null,
    vpcId: null,
    subnetId: null,
    flowDirection: null,
    srcaddr: '',
    dstaddr: '',
    srcport: null,
    dstport: null,
    protocol: 6,
    action: 'REJECT',
    tcpFlags: null,
    rejectReason: null,
    servicePortSide: null,
    ephemeralPortMin: null,
    ephemeralPortMax: null,
    records: 1,
    packets: 1,
    bytes: 40,
    firstSeen: 0,
    lastSeen: 60,
    ...fields,
  };
}
