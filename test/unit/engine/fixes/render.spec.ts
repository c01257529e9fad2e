import { describe, expect, it } from 'vitest';

import type { FixChange } from '../../../../src/engine/fixes/fix';
import { renderAwsCli } from '../../../../src/engine/fixes/render-aws-cli';
import { renderCloudFormation } from '../../../../src/engine/fixes/render-cloudformation';
import { renderTerraform } from '../../../../src/engine/fixes/render-terraform';

const naming = { groupName: (id: string) => ({ 'sg-app': 'app' })[id], networkAclName: (id: string) => ({ 'acl-db': 'db' })[id] };

const naclReturn: FixChange = {
  action: 'CreateNetworkAclEntry',
  params: {
    NetworkAclId: 'acl-db',
    RuleNumber: 110,
    Protocol: '6',
    RuleAction: 'allow',
    Egress: false,
    CidrBlock: '10.0.0.0/24',
    PortRange: { From: 32768, To: 60999 },
  },
};
const sgCidrs: FixChange = {
  action: 'AuthorizeSecurityGroupEgress',
  params: {
    GroupId: 'sg-app',
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [{ CidrIp: '198.51.100.240/31', Description: 'x' }],
        Ipv6Ranges: [{ CidrIpv6: '2001:db8::/64' }],
      },
    ],
  },
};
const icmpEntry: FixChange = {
  action: 'ReplaceNetworkAclEntry',
  params: {
    NetworkAclId: 'acl-x',
    RuleNumber: 120,
    Protocol: '58',
    RuleAction: 'allow',
    Egress: true,
    Ipv6CidrBlock: '2001:db8::/64',
    IcmpTypeCode: { Code: -1, Type: -1 },
  },
};

describe('fix renderings', () => {
  it('AWS CLI', () => {
    expect(renderAwsCli([naclReturn, sgCidrs, icmpEntry])).toBe(
      [
        'aws ec2 create-network-acl-entry --network-acl-id acl-db --ingress --rule-number 110 --protocol tcp --port-range From=32768,To=60999 --cidr-block 10.0.0.0/24 --rule-action allow',
        "aws ec2 authorize-security-group-egress --group-id sg-app --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=198.51.100.240/31}],Ipv6Ranges=[{CidrIpv6=2001:db8::/64}]'",
        'aws ec2 replace-network-acl-entry --network-acl-id acl-x --egress --rule-number 120 --protocol 58 --icmp-type-code Code=-1,Type=-1 --ipv6-cidr-block 2001:db8::/64 --rule-action allow',
      ].join(' &&\n'),
    );
  });

  it('Terraform: one resource per peer, aligned, unique names', () => {
    expect(renderTerraform([naclReturn, sgCidrs], naming)).toBe(
      [
        'resource "aws_network_acl_rule" "db_ingress_110" {',
        '  network_acl_id = "acl-db"',
        '  rule_number    = 110',
        '  egress         = false',
        '  protocol       = "tcp"',
        '  rule_action    = "allow"',
        '  cidr_block     = "10.0.0.0/24"',
        '  from_port      = 32768',
        '  to_port        = 60999',
        '}',
        '',
        'resource "aws_vpc_security_group_egress_rule" "app_to_198_51_100_240_31_443" {',
        '  security_group_id = "sg-app"',
        '  cidr_ipv4         = "198.51.100.240/31"',
        '  ip_protocol       = "tcp"',
        '  from_port         = 443',
        '  to_port           = 443',
        '}',
        '',
        'resource "aws_vpc_security_group_egress_rule" "app_to_2001_db8_64_443" {',
        '  security_group_id = "sg-app"',
        '  cidr_ipv6         = "2001:db8::/64"',
        '  ip_protocol       = "tcp"',
        '  from_port         = 443',
        '  to_port           = 443',
        '}',
      ].join('\n'),
    );
  });

  it('Terraform: a replaced entry is imported into the resource that redefines it', () => {
    expect(renderTerraform([icmpEntry], naming)).toBe(
      [
        '# Rule 120 exists: imported, then replaced by the definition below. Where your configuration',
        '# manages rule 120 already, change that resource to this definition instead.',
        'import {',
        '  to = aws_network_acl_rule.acl_x_egress_120',
        '  id = "acl-x:120:58:true"',
        '}',
        'resource "aws_network_acl_rule" "acl_x_egress_120" {',
        '  network_acl_id  = "acl-x"',
        '  rule_number     = 120',
        '  egress          = true',
        '  protocol        = "58"',
        '  rule_action     = "allow"',
        '  ipv6_cidr_block = "2001:db8::/64"',
        '  icmp_type       = -1',
        '  icmp_code       = -1',
        '}',
      ].join('\n'),
    );
  });

  it('an ICMP type and its code in every rendering: FromPort is the type, ToPort the code, -1 every code', () => {
    const echo: FixChange = {
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: 'sg-app',
        IpPermissions: [{ IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '10.0.1.0/24' }] }],
      },
    };
    const echoReply: FixChange = {
      action: 'CreateNetworkAclEntry',
      params: {
        NetworkAclId: 'acl-db',
        RuleNumber: 105,
        Protocol: '1',
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '10.0.1.0/24',
        IcmpTypeCode: { Code: -1, Type: 0 },
      },
    };
    const everyType: FixChange = {
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: 'sg-app',
        IpPermissions: [{ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.0.2.0/24' }] }],
      },
    };
    expect(renderAwsCli([echo, echoReply]).split('\n')).toEqual([
      "aws ec2 authorize-security-group-ingress --group-id sg-app --ip-permissions 'IpProtocol=icmp,FromPort=8,ToPort=-1,IpRanges=[{CidrIp=10.0.1.0/24}]' &&",
      'aws ec2 create-network-acl-entry --network-acl-id acl-db --egress --rule-number 105 --protocol icmp --icmp-type-code Code=-1,Type=0 --cidr-block 10.0.1.0/24 --rule-action allow',
    ]);
    const terraform = renderTerraform([echo, everyType, echoReply], naming);
    expect(terraform).toContain(
      [
        'resource "aws_vpc_security_group_ingress_rule" "app_from_10_0_1_0_24_icmp_8" {',
        '  security_group_id = "sg-app"',
        '  cidr_ipv4         = "10.0.1.0/24"',
        '  ip_protocol       = "icmp"',
        '  from_port         = 8',
        '  to_port           = -1',
        '}',
      ].join('\n'),
    );
    expect(terraform).toContain('resource "aws_vpc_security_group_ingress_rule" "app_from_10_0_2_0_24_icmp" {');
    expect(terraform).toContain('  icmp_type      = 0\n  icmp_code      = -1\n}');
    expect(renderCloudFormation([echo, echoReply]).split('\n')).toEqual([
      '{ "Type": "AWS::EC2::SecurityGroupIngress", "Properties": { "GroupId": "sg-app", "CidrIp": "10.0.1.0/24", "IpProtocol": "icmp", "FromPort": 8, "ToPort": -1 } }',
      '{ "Type": "AWS::EC2::NetworkAclEntry", "Properties": { "NetworkAclId": "acl-db", "RuleNumber": 105, "Protocol": 1, "RuleAction": "allow", "Egress": true, "CidrBlock": "10.0.1.0/24", "Icmp": { "Code": -1, "Type": 0 } } }',
    ]);
  });

  it('CloudFormation: one resource a line', () => {
    expect(renderCloudFormation([naclReturn, sgCidrs]).split('\n')).toEqual([
      '{ "Type": "AWS::EC2::NetworkAclEntry", "Properties": { "NetworkAclId": "acl-db", "RuleNumber": 110, "Protocol": 6, "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/24", "PortRange": { "From": 32768, "To": 60999 } } }',
      '{ "Type": "AWS::EC2::SecurityGroupEgress", "Properties": { "GroupId": "sg-app", "CidrIp": "198.51.100.240/31", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443 } }',
      '{ "Type": "AWS::EC2::SecurityGroupEgress", "Properties": { "GroupId": "sg-app", "CidrIpv6": "2001:db8::/64", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443 } }',
    ]);
  });
});
