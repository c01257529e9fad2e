import type { FlowAggregate } from './flow-record';

const port = (value: number | null): string => (value === null ? '-' : String(value));

/**
 * The identity of an aggregate, as the engine's aggregator keys it (the collapsed ephemeral side
 * is `*`): the same flow summed over one hour and over the whole window share a key.
 */
export function flowKey(flow: FlowAggregate): string {
  return [
    flow.interfaceId,
    flow.flowDirection ?? '-',
    flow.srcaddr,
    flow.dstaddr,
    flow.protocol,
    flow.servicePortSide === 'dst' ? '*' : port(flow.srcport),
    flow.servicePortSide === 'src' ? '*' : port(flow.dstport),
    flow.action,
  ].join(' ');
}

export const HOUR_SECONDS = 3600;

/** The start (epoch seconds) of the hour holding `epochSeconds`: the hours of FlowAggregate.hourly. */
export function hourOf(epochSeconds: number): number {
  return Math.floor(epochSeconds / HOUR_SECONDS) * HOUR_SECONDS;
}
