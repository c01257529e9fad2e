import { describe, expect, it } from 'vitest';
import { interfacesThroughTransitGateway } from '../../../../src/engine/evaluate/transit-gateway-reference';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import {
  OWNER,
  dropAttachment,
  setAttachment,
  type SnapshotEdit,
  transitGatewaySnapshot,
} from '../../../support/factories/transit-gateway-snapshot';

/*
 * Which interfaces an interface of vpc-a reaches at a private address of another VPC through a
 * transit gateway, over the estate of transitGatewaySnapshot (vpc-a's main table sends vpc-c's
 * 10.2.0.0/16 to tgw-1; eni-c1 holds 10.2.1.50 in vpc-c).
 */

/** A third VPC, vpc-d, whose interface eni-d1 holds `ip` (vpc-c's block again, say). */
const thirdVpcHolding =
  (ip: string): SnapshotEdit =>
  (s) => {
    s.Vpcs!.push({ VpcId: 'vpc-d', OwnerId: OWNER, CidrBlock: '10.2.0.0/16' });
    s.Subnets!.push({ SubnetId: 'subnet-d', VpcId: 'vpc-d', OwnerId: OWNER, CidrBlock: '10.2.1.0/24' });
    s.NetworkInterfaces!.push({
      NetworkInterfaceId: 'eni-d1',
      SubnetId: 'subnet-d',
      VpcId: 'vpc-d',
      OwnerId: OWNER,
      InterfaceType: 'interface',
      PrivateIpAddress: ip,
      PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
      Groups: [],
    });
  };
const noAttachmentsListed: SnapshotEdit = (s) => {
  delete s.TransitGatewayVpcAttachments;
};

function reached(edits: SnapshotEdit[], address = '10.2.1.50'): string[] {
  const snapshot = transitGatewaySnapshot();
  for (const edit of edits) edit(snapshot);
  const model = NetworkModel.fromSnapshot(snapshot);
  return interfacesThroughTransitGateway(model, model.address(address)!, 'vpc-a', 'subnet-a').map((e) => e.NetworkInterfaceId);
}

describe('interfacesThroughTransitGateway', () => {
  it('an address in a VPC attached to the gateway the route goes to: its interface', () => {
    expect(reached([])).toEqual(['eni-c1']);
  });

  it('an attachment that carries no traffic (deleted): nothing is reached', () => {
    expect(reached([setAttachment('tgw-attach-c1', { State: 'deleted' })])).toEqual([]);
  });

  it('the VPC listed without an attachment to that gateway: nothing is reached, however many VPCs hold the address', () => {
    expect(reached([dropAttachment('tgw-attach-c1')])).toEqual([]);
  });

  it('the same address in a VPC not attached to the gateway: only the attached VPC’s interface', () => {
    expect(reached([thirdVpcHolding('10.2.1.50')])).toEqual(['eni-c1']);
  });

  it('no attachments in the snapshot: the one VPC holding the address is taken as reached', () => {
    expect(reached([noAttachmentsListed])).toEqual(['eni-c1']);
  });

  it('no attachments in the snapshot and two VPCs holding the address: neither can be told as reached', () => {
    expect(reached([noAttachmentsListed, thirdVpcHolding('10.2.1.50')])).toEqual([]);
  });

  it('an address the route table does not send to a transit gateway: nothing is reached', () => {
    expect(reached([], '10.3.1.50')).toEqual([]);
    const snapshot = transitGatewaySnapshot();
    snapshot.RouteTables = snapshot.RouteTables!.filter((t) => t.RouteTableId !== 'rtb-a-main');
    const model = NetworkModel.fromSnapshot(snapshot);
    expect(interfacesThroughTransitGateway(model, model.address('10.2.1.50')!, 'vpc-a', 'subnet-a')).toEqual([]);
  });

  it('a route to the gateway that is blackholed: nothing is reached', () => {
    const edit: SnapshotEdit = (s) => {
      const route = s.RouteTables!.find((t) => t.RouteTableId === 'rtb-a-main')!.Routes!.find((r) => r.TransitGatewayId)!;
      route.State = 'blackhole';
    };
    expect(reached([edit])).toEqual([]);
  });
});
