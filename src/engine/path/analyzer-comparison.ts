import type { VerdictKind } from '../evaluate/verdict';
import { PROTOCOL_TCP, PROTOCOL_UDP } from '../network/protocol';
import type { PathAnalysis } from './analyze-path';
import { EXPLANATION_CODES } from './analyze-path';
import type { HopVerdict, PathHop, PathVerdict } from './path-result';

/** A Reachability Analyzer `AnalysisComponent` (only what the comparison reads). */
export interface AnalyzerComponent {
  Id?: string;
  Arn?: string;
  Name?: string;
}

/** A Reachability Analyzer `Explanation`, as DescribeNetworkInsightsAnalyses returns it (the members compared). */
export interface AnalyzerExplanation {
  ExplanationCode?: string;
  Direction?: string;
  SecurityGroups?: AnalyzerComponent[];
  SecurityGroup?: AnalyzerComponent;
  Acl?: AnalyzerComponent;
  AclRule?: {
    RuleNumber?: number;
    RuleAction?: string;
    Egress?: boolean;
    Cidr?: string;
    Protocol?: string;
    PortRange?: { From?: number; To?: number };
  };
  NetworkInterface?: AnalyzerComponent;
  Subnet?: AnalyzerComponent;
  RouteTable?: AnalyzerComponent;
  [member: string]: unknown;
}

/** The members of a `NetworkInsightsAnalysis` the comparison reads. */
export interface AnalyzerAnalysis {
  Status?: string;
  StatusMessage?: string;
  NetworkPathFound?: boolean;
  Explanations?: AnalyzerExplanation[];
}

/** What Reachability Analyzer is asked, from a path analysis (CreateNetworkInsightsPath's members). */
export interface AnalyzerPathInput {
  Source: string;
  Destination?: string;
  SourceIp?: string;
  DestinationIp?: string;
  Protocol: 'tcp' | 'udp';
  DestinationPort?: number;
}

/** One hop of sgdoctor's path next to what Reachability Analyzer said of the same control. */
export interface HopComparison {
  hop: PathHop['hop'];
  direction: PathHop['direction'];
  component: string | null;
  sgdoctor: HopVerdict;
  sgdoctorCode: string | null;
  /** What sgdoctor found at this hop, in one sentence (why it denied, skipped or could not decide; else what it checked). */
  sgdoctorExplanation: string;
  /** The analyzer's explanations that name this control (empty: it raised nothing there). */
  analyzer: AnalyzerExplanation[];
  agree: boolean;
}

export interface AnalyzerComparison {
  /** sgdoctor and Reachability Analyzer give the same answer and blame the same controls. */
  agree: boolean;
  sgdoctor: { verdict: VerdictKind; codes: string[]; reason: string };
  analyzer: { reachable: boolean; codes: string[] };
  hops: HopComparison[];
  /** Analyzer explanations that name no hop sgdoctor evaluated (load balancers, gateways, …). */
  unmatched: AnalyzerExplanation[];
}

const SG_CODES = new Set<string>([EXPLANATION_CODES.securityGroup]);
const ACL_CODES = new Set<string>([EXPLANATION_CODES.networkAcl]);
const ROUTE_CODES = new Set<string>([EXPLANATION_CODES.noRoute, EXPLANATION_CODES.blackholeRoute, 'CANNOT_ROUTE']);

function directionMatches(explanation: AnalyzerExplanation, hop: PathHop): boolean {
  const direction =
    explanation.Direction ?? (explanation.AclRule?.Egress === undefined ? undefined : explanation.AclRule.Egress ? 'egress' : 'ingress');
  return direction === undefined || direction === hop.direction;
}

function names(explanation: AnalyzerExplanation, hop: PathHop): boolean {
  const code = explanation.ExplanationCode ?? '';
  if (hop.hop === 'security-group' && SG_CODES.has(code)) {
    const groups = [...(explanation.SecurityGroups ?? []), ...(explanation.SecurityGroup ? [explanation.SecurityGroup] : [])].map(
      (g) => g.Id,
    );
    const byInterface = explanation.NetworkInterface?.Id !== undefined && explanation.NetworkInterface.Id === hop.interfaceId;
    const byGroup = groups.some((id) => id !== undefined && (hop.groupIds ?? []).includes(id));
    return (byInterface || byGroup) && directionMatches(explanation, hop);
  }
  if (hop.hop === 'network-acl' && ACL_CODES.has(code)) {
    return explanation.Acl?.Id !== undefined && explanation.Acl.Id === hop.networkAclId && directionMatches(explanation, hop);
  }
  if (hop.hop === 'route' && ROUTE_CODES.has(code)) {
    return explanation.RouteTable?.Id === undefined || explanation.RouteTable.Id === hop.routeTableId;
  }
  return false;
}

function componentOf(hop: PathHop): string | null {
  return hop.networkAclId ?? hop.routeTableId ?? (hop.groupIds?.length ? hop.groupIds.join(',') : (hop.interfaceId ?? null));
}

/**
 * sgdoctor's path next to Reachability Analyzer's analysis of the same pair: each request and
 * reply hop with the analyzer's explanations that name the same control (security groups by
 * interface or group id, NACLs by ACL id and direction, routes by route table), agreeing when
 * both deny or neither does. A hop sgdoctor could not decide (`unknown`) agrees with either. The
 * whole agrees when the verdicts match (analyzer reachable ⇔ sgdoctor allowed) and every hop does.
 */
export function compareWithAnalyzer(path: PathVerdict, analysis: AnalyzerAnalysis): AnalyzerComparison {
  const explanations = analysis.Explanations ?? [];
  const used = new Set<AnalyzerExplanation>();
  const hops = [...path.hops, ...path.reply.hops].map((hop): HopComparison => {
    const named = explanations.filter((e) => names(e, hop));
    named.forEach((e) => used.add(e));
    const analyzerDenies = named.length > 0;
    const agree = hop.verdict === 'unknown' || (hop.verdict === 'deny') === analyzerDenies;
    return {
      hop: hop.hop,
      direction: hop.direction,
      component: componentOf(hop),
      sgdoctor: hop.verdict,
      sgdoctorCode: hop.explanationCode,
      sgdoctorExplanation: hop.reason ?? hop.checked,
      analyzer: named,
      agree,
    };
  });
  const reachable = analysis.NetworkPathFound === true;
  const verdictsAgree = path.verdict === 'unknown' || (path.verdict === 'allowed') === reachable;
  const codes = [...path.hops, ...path.reply.hops].map((h) => h.explanationCode).filter((c): c is string => c !== null);
  return {
    agree: verdictsAgree && hops.every((h) => h.agree),
    sgdoctor: { verdict: path.verdict, codes, reason: path.reason },
    analyzer: { reachable, codes: explanations.map((e) => e.ExplanationCode ?? 'UNKNOWN') },
    hops,
    unmatched: explanations.filter((e) => !used.has(e)),
  };
}

/**
 * The Reachability Analyzer path for a path analysis, or the reason it cannot be asked: the
 * analyzer takes TCP and UDP over IPv4 only, and needs a source resource (an interface in the
 * snapshot; an internet client would need its internet gateway as source).
 */
export function analyzerPathFor(path: PathAnalysis): AnalyzerPathInput | { unsupported: string } {
  const { protocol, port } = path.query;
  if (protocol !== PROTOCOL_TCP && protocol !== PROTOCOL_UDP) return { unsupported: 'Reachability Analyzer analyses TCP and UDP only' };
  if (path.source.address?.family === 6 || path.destination.address?.family === 6)
    return { unsupported: 'Reachability Analyzer analyses IPv4 only' };
  if (!path.source.eni)
    return { unsupported: `${path.query.from} is not an interface of the snapshot: Reachability Analyzer needs a source resource` };
  const input: AnalyzerPathInput = { Source: path.source.eni.NetworkInterfaceId, Protocol: protocol === PROTOCOL_TCP ? 'tcp' : 'udp' };
  if (port !== null) input.DestinationPort = port;
  if (path.destination.eni) input.Destination = path.destination.eni.NetworkInterfaceId;
  if (path.destination.address) input.DestinationIp = path.destination.address.key;
  if (path.source.address) input.SourceIp = path.source.address.key;
  return input;
}
