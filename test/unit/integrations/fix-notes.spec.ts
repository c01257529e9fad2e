import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/engine/findings/finding';
import type { AdfDocument, AdfNode } from '../../../src/integrations/jira/adf';
import { buildFindingDescription } from '../../../src/integrations/jira/jira-issue.builder';
import { buildIncidentBody } from '../../../src/integrations/servicenow/servicenow-incident.builder';
import { buildSlackMessage } from '../../../src/integrations/slack/slack-message.builder';
import { sampleFinding } from '../../support/factories/sample-finding';

/*
 * What a ticket or message says beside the fix: the engine's note on a finding that is not noise
 * but has no fix (a NAT gateway's own address, too many peers, Block Public Access), the note on a
 * fix that leaves peers out, and one load balancer's set of dynamic host ports with its one rule.
 */

function adfText(node: AdfNode | AdfDocument): string {
  const own = node.type === 'text' ? [(node as AdfNode).text ?? ''] : [];
  return [...own, ...(node.content ?? []).map(adfText)].join(' ');
}

const NAT_NOTE =
  'No rule change: 4 records asked for 10.0.7.5, the own address of NAT gateway nat-0123456789abcdef0 itself. A NAT gateway accepts no connection addressed to it.';

/** A misconfiguration whose only peer was a NAT gateway's own address: no fix, a note saying why. */
const toNatGateway = (): Finding =>
  sampleFinding({
    classification: 'likely-misconfiguration',
    suggestedFix: null,
    fixNote: { reason: 'to-nat-gateway', message: NAT_NOTE, excludedPeers: 1, examples: ['10.0.7.5'] },
  });

/** A finding of a set of dynamic host ports, its own fix kept, the set's one rule beside it. */
function ofHostPortSet(): Finding {
  const finding = sampleFinding();
  const rangeCli =
    "aws ec2 authorize-security-group-ingress --group-id sg-0web000000000000a --ip-permissions 'IpProtocol=tcp,FromPort=32768,ToPort=60999,UserIdGroupPairs=[{GroupId=sg-alb}]'";
  return {
    ...finding,
    dynamicHostPorts: {
      loadBalancer: 'elb:app/shop-alb',
      ports: [32771, 32790],
      range: { from: 32768, to: 60999 },
      message:
        'Load balancer app/shop-alb was refused by sg-0web000000000000a on 2 ports of 32768-60999 (32771, 32790), each a finding of its own.',
      fix: { ...finding.suggestedFix!, awsCli: rangeCli },
    },
  };
}

describe('tickets and messages: what they say beside the fix', () => {
  it('a finding that is not noise but has no fix says why, not that it looks like noise', () => {
    const jira = adfText(buildFindingDescription(toNatGateway()));
    const servicenow = buildIncidentBody(toNatGateway()).description;
    const slack = JSON.stringify(buildSlackMessage('finding.opened', toNatGateway()).blocks);
    for (const out of [jira, servicenow, slack]) {
      expect(out).toContain('nat-0123456789abcdef0');
      expect(out).not.toContain('looks like noise');
    }
  });

  it('noise without a fix still says it looks like noise', () => {
    const noise = sampleFinding({ classification: 'likely-noise', suggestedFix: null });
    expect(adfText(buildFindingDescription(noise))).toContain('looks like noise');
    expect(buildIncidentBody(noise).description).toContain('looks like noise');
  });

  it('a fix that leaves peers out carries its note', () => {
    const note = 'The fix covers 1 other peer; 2 peers that scan from the internet are left out.';
    const finding = sampleFinding({ fixNote: { reason: 'suspect-peers-left-out', message: note, excludedPeers: 2, examples: [] } });
    expect(adfText(buildFindingDescription(finding))).toContain(note);
    expect(buildIncidentBody(finding).description).toContain(note);
  });

  it('a finding of a set of dynamic host ports names the set and gives the range rule', () => {
    const jira = adfText(buildFindingDescription(ofHostPortSet()));
    const servicenow = buildIncidentBody(ofHostPortSet()).description;
    for (const out of [jira, servicenow]) {
      expect(out).toContain('app/shop-alb');
      expect(out).toContain('FromPort=32768,ToPort=60999');
    }
    expect(JSON.stringify(buildSlackMessage('finding.opened', ofHostPortSet()).blocks)).toContain('app/shop-alb');
  });
});
