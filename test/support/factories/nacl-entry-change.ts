import type { FixChange } from '../../../src/engine/fixes/fix';

/** A fix's CreateNetworkAclEntry that allows TCP from or to `cidr` (on `ports` when given), as the engine writes it. */
export function tcpAllowEntryChange(
  networkAclId: string,
  egress: boolean,
  ruleNumber: number,
  cidr: string,
  ports?: [number, number],
): FixChange {
  return {
    action: 'CreateNetworkAclEntry',
    params: {
      NetworkAclId: networkAclId,
      RuleNumber: ruleNumber,
      Protocol: '6',
      RuleAction: 'allow',
      Egress: egress,
      CidrBlock: cidr,
      ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
    },
  };
}
