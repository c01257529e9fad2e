import type { BlockingControl } from '../evaluate/verdict';
import type { NetworkModel } from '../network/network-model';
import type { CampaignGroup } from './campaign-group';
import { peerAddressOf } from './explained-flow';
import type { CampaignPort, CampaignSource, Finding, FindingInterface, FindingPeer } from './finding';
import { controlIdentity } from './fingerprint.util';
import { isoSeconds } from './iso-time.util';
import { servicePortOf } from './service-port.util';
import { MAX_LISTED_PEERS } from './summarize-traffic';

/** At most this many probed services are listed in a campaign (the busiest); `portCount` keeps the total. */
export const MAX_LISTED_PORTS = 200;

interface Span {
  records: number;
  packets: number;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
}

const emptySpan = (): Span => ({
  records: 0,
  packets: 0,
  bytes: 0,
  firstSeen: Number.POSITIVE_INFINITY,
  lastSeen: Number.NEGATIVE_INFINITY,
});

function add(span: Span, flow: Span): void {
  span.records += flow.records;
  span.packets += flow.packets;
  span.bytes += flow.bytes;
  span.firstSeen = Math.min(span.firstSeen, flow.firstSeen);
  span.lastSeen = Math.max(span.lastSeen, flow.lastSeen);
}

const byRecordsThen = (key: (x: { id: string }) => string) => (a: { id: string; span: Span }, b: { id: string; span: Span }) =>
  b.span.records - a.span.records || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** Controls in order of the records they dropped (ties: identity), each once. */
function rankControls(records: Map<string, { control: BlockingControl; records: number }>): BlockingControl[] {
  return [...records.entries()]
    .sort((a, b) => b[1].records - a[1].records || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, entry]) => entry.control);
}

function countControl(map: Map<string, { control: BlockingControl; records: number }>, control: BlockingControl, records: number): void {
  const id = `${controlIdentity(control)}|${control.direction}`;
  const entry = map.get(id) ?? { control, records: 0 };
  entry.records += records;
  map.set(id, entry);
}

/** What every campaign finding is classified and ranked as: noise, of low severity. */
export const CAMPAIGN_RANK = { classification: 'likely-noise', severity: 'low' } as const;

/**
 * A campaign as one `likely-noise` finding with no fix: `traffic` sums it up (its direction, the
 * protocol of most records, the port when it probed only one, the interfaces touched, its sources
 * as peers, totals and first/last seen), `blockedBy` is the control that dropped most of it, and
 * `campaign` holds the breakdown per source and per probed service with the controls of each.
 */
export function summarizeCampaign(group: CampaignGroup, model: NetworkModel, signals: string[]): Finding {
  const total = emptySpan();
  const interfaces = new Map<string, { id: string; span: Span }>();
  const sources = new Map<string, { id: string; span: Span; services: Set<string>; hosts: Set<string> }>();
  const ports = new Map<
    string,
    {
      id: string;
      span: Span;
      protocol: number;
      port: number | null;
      sources: Set<string>;
      hosts: Set<string>;
      controls: Map<string, { control: BlockingControl; records: number }>;
    }
  >();
  const controls = new Map<string, { control: BlockingControl; records: number }>();
  const protocols = new Map<number, number>();
  let returnTraffic = true;
  for (const { explained } of group.flows) {
    const { flow, verdict } = explained;
    add(total, flow);
    returnTraffic &&= verdict.returnTraffic;
    protocols.set(flow.protocol, (protocols.get(flow.protocol) ?? 0) + flow.records);
    const iface = interfaces.get(flow.interfaceId) ?? { id: flow.interfaceId, span: emptySpan() };
    add(iface.span, flow);
    interfaces.set(flow.interfaceId, iface);
    const address = peerAddressOf(explained);
    const port = servicePortOf(flow);
    const service = `${flow.protocol}/${port ?? '-'}`;
    const source = sources.get(address) ?? { id: address, span: emptySpan(), services: new Set<string>(), hosts: new Set<string>() };
    add(source.span, flow);
    source.services.add(service);
    source.hosts.add(flow.interfaceId);
    sources.set(address, source);
    const entry = ports.get(service) ?? {
      id: service,
      span: emptySpan(),
      protocol: flow.protocol,
      port,
      sources: new Set<string>(),
      hosts: new Set<string>(),
      controls: new Map(),
    };
    add(entry.span, flow);
    entry.sources.add(address);
    entry.hosts.add(flow.interfaceId);
    ports.set(service, entry);
    const first = verdict.blockedBy[0];
    if (first) {
      countControl(entry.controls, first, flow.records);
      countControl(controls, first, flow.records);
    }
  }
  const rankedControls = rankControls(controls);
  const protocol = [...protocols.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const sortedPorts = [...ports.values()].sort(
    (a, b) => b.span.records - a.span.records || a.protocol - b.protocol || (a.port ?? -1) - (b.port ?? -1),
  );
  const sortedSources = [...sources.values()].sort(byRecordsThen((s) => s.id));
  const listedPeers = sortedSources.slice(0, MAX_LISTED_PEERS);
  const peers: FindingPeer[] = listedPeers.map((s) => ({ address: s.id, records: s.span.records, packets: s.span.packets }));
  const campaignSources: CampaignSource[] = listedPeers.map((s) => ({
    address: s.id,
    records: s.span.records,
    ports: s.services.size,
    hosts: s.hosts.size,
    firstSeen: isoSeconds(s.span.firstSeen),
    lastSeen: isoSeconds(s.span.lastSeen),
  }));
  const campaignPorts: CampaignPort[] = sortedPorts.slice(0, MAX_LISTED_PORTS).map((p) => ({
    protocol: p.protocol,
    port: p.port,
    records: p.span.records,
    packets: p.span.packets,
    bytes: p.span.bytes,
    sources: p.sources.size,
    hosts: p.hosts.size,
    blockedBy: rankControls(p.controls),
    firstSeen: isoSeconds(p.span.firstSeen),
    lastSeen: isoSeconds(p.span.lastSeen),
  }));
  const findingInterfaces: FindingInterface[] = [...interfaces.values()]
    .sort(byRecordsThen((i) => i.id))
    .map((i) => ({ id: i.id, owner: model.interfaceOwner(i.id), records: i.span.records }));
  return {
    kind: 'campaign',
    fingerprint: group.fingerprint,
    ...CAMPAIGN_RANK,
    signals,
    blockedBy: rankedControls[0],
    traffic: {
      direction: group.direction,
      protocol,
      port: ports.size === 1 ? sortedPorts[0].port : null,
      returnTraffic,
      interfaces: findingInterfaces,
      peers,
      peerCount: sortedSources.length,
      records: total.records,
      packets: total.packets,
      bytes: total.bytes,
      firstSeen: isoSeconds(total.firstSeen),
      lastSeen: isoSeconds(total.lastSeen),
    },
    suggestedFix: null,
    campaign: {
      scope: group.scope,
      key: group.key,
      sources: campaignSources,
      sourceCount: sortedSources.length,
      ports: campaignPorts,
      portCount: sortedPorts.length,
      hostCount: interfaces.size,
      controls: rankedControls,
    },
  };
}
