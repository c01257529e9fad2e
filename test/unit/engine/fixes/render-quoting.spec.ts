import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import type { FixChange } from '../../../../src/engine/fixes/fix';
import { renderAwsCli } from '../../../../src/engine/fixes/render-aws-cli';
import { renderTerraform } from '../../../../src/engine/fixes/render-terraform';
import { readShorthand } from '../../../support/aws-cli-shorthand';

/*
 * Whatever a value holds, a rendered command pasted into a shell passes it as one argument and
 * runs nothing else, the AWS CLI's shorthand reads it back as it was, and Terraform reads a
 * string without interpolating anything. Values are checked at the snapshot's edge too
 * (snapshot-ids.spec.ts); these hold the renderers to it on their own.
 */

/** What the hostile values below would create if a shell ran them. */
const scratch = mkdtempSync(join(tmpdir(), 'render-quoting-'));
const MARK = join(scratch, 'pwned');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The words a POSIX shell passes to `aws` when it runs `command` (an `aws` function prints them). */
function shellWords(command: string): string[] {
  const run = spawnSync('sh', ['-c', `aws() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}`], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split('\0').slice(0, -1);
}

/** An HCL quoted string's value; throws where Terraform would interpolate (`${`) or run a directive (`%{`). */
function readHclString(literal: string): string {
  expect(literal.startsWith('"') && literal.endsWith('"')).toBe(true);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const rest = body.slice(i);
    if (rest.startsWith('$${') || rest.startsWith('%%{')) {
      out += `${rest[0]}{`;
      i += 2;
    } else if (rest.startsWith('${') || rest.startsWith('%{')) {
      throw new Error(`template sequence in ${literal}`);
    } else if (body[i] === '"') {
      throw new Error(`unescaped quote in ${literal}`);
    } else if (body[i] === '\\') {
      const next = body[++i];
      if (next === 'u') {
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
      } else {
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (!(next in simple)) throw new Error(`unknown escape \\${next} in ${literal}`);
        out += simple[next];
      }
    } else {
      out += body[i];
    }
  }
  return out;
}

const hostile = fc.oneof(
  fc.constantFrom(
    `sg-0app$(touch\${IFS}${MARK})`,
    `sg-1';touch ${MARK};'`,
    `sg-1\`touch ${MARK}\``,
    'sg-1}],IpRanges=[{CidrIp=0.0.0.0/0',
    'sg-${file("/etc/passwd")}',
    '%{if true}x%{endif}',
    'a"b\\c',
    '\u001b]0;t\u0007\n',
  ),
  // An empty value means "absent" to the renderers (no UserId): every value here is present.
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('\0')),
);

const groupChange = (groupId: string, peer: string, userId: string, cidr: string): FixChange => ({
  action: 'AuthorizeSecurityGroupIngress',
  params: {
    GroupId: groupId,
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        UserIdGroupPairs: [{ GroupId: peer, UserId: userId }],
        IpRanges: [{ CidrIp: cidr }],
      },
    ],
  },
});
const naclChange = (aclId: string, cidr: string): FixChange => ({
  action: 'CreateNetworkAclEntry',
  params: {
    NetworkAclId: aclId,
    RuleNumber: 110,
    Protocol: '6',
    RuleAction: 'allow',
    Egress: false,
    CidrBlock: cidr,
    PortRange: { From: 1024, To: 65535 },
  },
});

describe('suggested commands quote every value', () => {
  it('aws: the shell passes each value as one word, and the shorthand reads it back as it was', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (groupId, peer, userId, cidr) => {
        // One change at a time: a newline inside a quoted value is part of its command.
        const sg = renderAwsCli([groupChange(groupId, peer, userId, cidr)]);
        const nacl = renderAwsCli([naclChange(groupId, cidr)]);
        const words = shellWords(sg);
        expect(words.slice(0, 4)).toEqual(['ec2', 'authorize-security-group-ingress', '--group-id', groupId]);
        expect(words[4]).toBe('--ip-permissions');
        expect(words).toHaveLength(6);
        expect(readShorthand(words[5])).toEqual({
          IpProtocol: 'tcp',
          FromPort: '8080',
          ToPort: '8080',
          IpRanges: [{ CidrIp: cidr }],
          UserIdGroupPairs: [{ GroupId: peer, UserId: userId }],
        });
        expect(shellWords(nacl)).toEqual([
          'ec2',
          'create-network-acl-entry',
          '--network-acl-id',
          groupId,
          '--ingress',
          '--rule-number',
          '110',
          '--protocol',
          'tcp',
          '--port-range',
          'From=1024,To=65535',
          '--cidr-block',
          cidr,
          '--rule-action',
          'allow',
        ]);
      }),
      { numRuns: 60 },
    );
    expect(existsSync(MARK)).toBe(false);
  });

  it('aws: plain ids, CIDRs and numbers are printed as before', () => {
    expect(renderAwsCli([groupChange('sg-0app', 'sg-0lb', '111122223333', '10.0.1.0/24'), naclChange('acl-0db', '2001:db8::/64')])).toBe(
      [
        "aws ec2 authorize-security-group-ingress --group-id sg-0app --ip-permissions 'IpProtocol=tcp,FromPort=8080,ToPort=8080,IpRanges=[{CidrIp=10.0.1.0/24}],UserIdGroupPairs=[{GroupId=sg-0lb,UserId=111122223333}]'",
        'aws ec2 create-network-acl-entry --network-acl-id acl-0db --ingress --rule-number 110 --protocol tcp --port-range From=1024,To=65535 --cidr-block 2001:db8::/64 --rule-action allow',
      ].join(' &&\n'),
    );
  });

  it('terraform: every string reads back as it was, with nothing interpolated', () => {
    const naming = { groupName: () => undefined, networkAclName: () => undefined };
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (groupId, peer, userId, cidr) => {
        const hcl = renderTerraform([groupChange(groupId, peer, userId, cidr), naclChange(groupId, cidr)], naming);
        const strings = [...hcl.matchAll(/^ {2}(\w+) += (".*")$/gm)].map(([, key, literal]) => [key, readHclString(literal)]);
        expect(strings).toEqual([
          ['security_group_id', groupId],
          ['referenced_security_group_id', `${userId}/${peer}`],
          ['ip_protocol', 'tcp'],
          ['security_group_id', groupId],
          ['cidr_ipv4', cidr],
          ['ip_protocol', 'tcp'],
          ['network_acl_id', groupId],
          ['protocol', 'tcp'],
          ['rule_action', 'allow'],
          ['cidr_block', cidr],
        ]);
        // Every resource and attribute line is one line: a value's newline cannot end one.
        expect(hcl.split('\n').every((line) => /^(resource "[\w]+" "\w+" \{|\s+\w+ += .*|\}|)$/.test(line))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
