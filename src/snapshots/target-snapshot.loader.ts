import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { Ec2Snapshotter } from '../aws/ec2-snapshotter';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { decodeJsonText, mergeSnapshots } from '../engine/network/snapshot-loader';
import type { DataPathResolver } from '../targets/data-path.resolver';
import type { Target } from '../targets/target-sources';
import { awsTargetOf } from './aws-target-of.util';
import { SnapshotFileError } from './snapshot-file.error';

/**
 * The network configuration of a target as one snapshot (DESIGN.md "Network snapshot JSON"):
 * snapshot files under the data root, merged and validated by the engine, or the live EC2 API.
 */
@Injectable()
export class TargetSnapshotLoader {
  constructor(private readonly ec2: Ec2Snapshotter) {}

  async load(target: Target, paths: DataPathResolver): Promise<NetworkSnapshot> {
    const source = target.configSource;
    if (source.type === 'ec2') {
      return this.ec2.snapshot({ ...awsTargetOf(target), vpcIds: target.scope.vpcIds, subnetIds: target.scope.subnetIds });
    }
    const parts: unknown[] = [];
    for (const [index, stored] of source.paths.entries()) {
      const file = await paths.resolveStored(`configSource.paths[${index}]`, stored);
      let text: string;
      try {
        text = decodeJsonText(await readFile(file));
      } catch (error) {
        throw new SnapshotFileError(`cannot read snapshot ${stored}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      try {
        parts.push(JSON.parse(text));
      } catch (error) {
        throw new SnapshotFileError(`snapshot ${stored} is not valid JSON: ${(error as Error).message}`);
      }
    }
    // A snapshot without interfaces, groups, NACLs or subnets would leave every record `unknown`.
    return mergeSnapshots(parts, { names: source.paths, requireMembers: true });
  }
}
