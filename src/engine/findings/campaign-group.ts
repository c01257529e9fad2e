import type { Direction } from '../flow-log/flow-record';
import { parseCidr } from '../ip/ip-address';
import { describeTraffic } from '../network/protocol';
import { type ExplainedFlow, peerAddressOf } from './explained-flow';
import type { CampaignScope } from './finding';
import { fnv1a64Hex } from './fingerprint.util';
import { servicePortOf } from './service-port.util';

/** A blocked flow classified as noise, with the signals that made it so. */
export interface NoiseFlow {
  explained: ExplainedFlow;
  signals: readonly string[];
}

/** Noise flows of one campaign. */
export interface CampaignGroup {
  fingerprint: string;
  direction: Direction;
  scope: CampaignScope;
  key: string;
  flows: NoiseFlow[];
}

/** Thresholds of campaign grouping (documented in src/engine/classify/SIGNALS.md). */
export const CAMPAIGN_THRESHOLDS = {
  /** A source that probed at least this many distinct targets (interface × protocol/port) is a campaign by itself. */
  standaloneMinTargets: 5,
  /** Smaller sources of one network (IPv4 /24, IPv6 /64) are one campaign when there are at least this many. */
  networkMinSources: 2,
  networkPrefix4: 24,
  networkPrefix6: 64,
} as const;

/**
 * A campaign's fingerprint: FNV-1a 64 of `v1|campaign|<direction>|<scope>|<key>`. It does not
 * depend on ports, hosts, controls or time, so the same source (network, service) seen again
 * tomorrow updates the same finding.
 */
export function campaignFingerprint(direction: Direction, scope: CampaignScope, key: string): string {
  return fnv1a64Hex(['v1', 'campaign', direction, scope, key].join('|'));
}

/** The IPv4 /24 or IPv6 /64 an address belongs to. */
export function networkOf(address: string): string {
  const prefix = address.includes(':') ? CAMPAIGN_THRESHOLDS.networkPrefix6 : CAMPAIGN_THRESHOLDS.networkPrefix4;
  return parseCidr(`${address}/${prefix}`)?.text ?? address;
}

interface SourceActivity<T> {
  address: string;
  direction: Direction;
  members: T[];
  targets: Set<string>;
  recordsByService: Map<string, { protocol: number; port: number | null; records: number }>;
}

/** The service a source probed most (ties: lowest protocol, then port), as `tcp/23`. */
function busiestService(source: SourceActivity<unknown>): string {
  const services = [...source.recordsByService.values()].sort(
    (a, b) => b.records - a.records || a.protocol - b.protocol || (a.port ?? -1) - (b.port ?? -1),
  );
  return describeTraffic(services[0].protocol, services[0].port);
}

/** Where a source's noise went before (e.g. in yesterday's analysis), by `${direction}|${address}`. */
export type PriorCampaigns = ReadonlyMap<string, { scope: CampaignScope; key: string }>;

/** The key of `PriorCampaigns`. */
export function priorCampaignKey(direction: Direction, address: string): string {
  return `${direction}|${address}`;
}

/**
 * Groups noise into campaigns, per direction, by the peer that sent it (the source of ingress, the
 * destination of egress). A source found in `prior` stays in the campaign it was put in before —
 * whatever else the window holds, so re-analysing part of a day or the next day never moves a
 * source to another campaign. Any other source:
 * 1. a source that probed at least `standaloneMinTargets` distinct targets (interface ×
 *    protocol/port) is a campaign of its own (`source`, key: the address);
 * 2. the remaining sources of one IPv4 /24 or IPv6 /64 are one campaign when there are at least
 *    `networkMinSources` of them (`network`, key: the network);
 * 3. every other source joins the campaign of the service it probed most (`service`, key
 *    `tcp/23`): a botnet knocking on one port from all over the address space.
 * Campaigns come out in fingerprint order; the result does not depend on input order.
 */
export function groupCampaigns(flows: Iterable<NoiseFlow>, prior: PriorCampaigns = new Map()): CampaignGroup[] {
  return groupCampaignMembers(flows, (item) => item.explained, prior).map(({ members, ...campaign }) => ({ ...campaign, flows: members }));
}

/** A CampaignGroup whose flows are the caller's own items (e.g. rows of a column store), in the order `groupCampaigns` puts its flows. */
export type CampaignMembers<T> = Omit<CampaignGroup, 'flows'> & { members: T[] };

/**
 * `groupCampaigns` over any items that stand for noise flows (`explainedOf` reads each one's
 * explained flow): the same campaigns in the same order, each holding its items instead of the
 * flows, so a caller can keep a campaign's flows as numbers and make their objects when it needs them.
 */
export function groupCampaignMembers<T>(
  items: Iterable<T>,
  explainedOf: (item: T) => ExplainedFlow,
  prior: PriorCampaigns = new Map(),
): CampaignMembers<T>[] {
  const sources = new Map<string, SourceActivity<T>>();
  for (const item of items) {
    const explained = explainedOf(item);
    const address = peerAddressOf(explained);
    const direction = explained.verdict.direction;
    const id = `${direction}|${address}`;
    let source = sources.get(id);
    if (!source) sources.set(id, (source = { address, direction, members: [], targets: new Set(), recordsByService: new Map() }));
    source.members.push(item);
    const { flow } = explained;
    const port = servicePortOf(flow);
    const service = `${flow.protocol}/${port ?? '-'}`;
    source.targets.add(`${flow.interfaceId}|${service}`);
    const entry = source.recordsByService.get(service) ?? { protocol: flow.protocol, port, records: 0 };
    entry.records += flow.records;
    source.recordsByService.set(service, entry);
  }
  const small = [...sources.values()].filter(
    (s) => s.targets.size < CAMPAIGN_THRESHOLDS.standaloneMinTargets && !prior.has(priorCampaignKey(s.direction, s.address)),
  );
  const perNetwork = new Map<string, number>();
  for (const source of small) {
    const id = `${source.direction}|${networkOf(source.address)}`;
    perNetwork.set(id, (perNetwork.get(id) ?? 0) + 1);
  }
  const campaigns = new Map<string, CampaignMembers<T>>();
  for (const source of sources.values()) {
    let scope: CampaignScope;
    let key: string;
    const before = prior.get(priorCampaignKey(source.direction, source.address));
    if (before) {
      ({ scope, key } = before);
    } else if (source.targets.size >= CAMPAIGN_THRESHOLDS.standaloneMinTargets) {
      scope = 'source';
      key = source.address;
    } else if ((perNetwork.get(`${source.direction}|${networkOf(source.address)}`) ?? 0) >= CAMPAIGN_THRESHOLDS.networkMinSources) {
      scope = 'network';
      key = networkOf(source.address);
    } else {
      scope = 'service';
      key = busiestService(source);
    }
    const fingerprint = campaignFingerprint(source.direction, scope, key);
    let campaign = campaigns.get(fingerprint);
    if (!campaign) campaigns.set(fingerprint, (campaign = { fingerprint, direction: source.direction, scope, key, members: [] }));
    for (const member of source.members) campaign.members.push(member);
  }
  return [...campaigns.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}
