import { ApiProperty } from '@nestjs/swagger';
import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import type { NewlyReachable } from '../../engine/simulate/simulate';

export class SimulationResultDto {
  @ApiProperty({ format: 'uuid', description: 'The analysis whose snapshot was changed.' })
  snapshotAnalysisId!: string;

  @ApiProperty({ description: 'Recorded rejected flows evaluated.' })
  flowsEvaluated!: number;

  @ApiProperty({ description: 'Flows the changes would let through, with the finding they belong to.' })
  nowAllowed!: Array<{ findingId: string; fingerprint: string; flow: FlowAggregate }>;

  @ApiProperty({ description: 'Findings every recorded flow of which would be allowed.' })
  findingsResolved!: Array<{ findingId: string; fingerprint: string }>;

  @ApiProperty({ description: 'Flows whose verdict changes in any way (e.g. another control now blocks).' })
  changedFlows!: number;

  @ApiProperty({ description: 'What the added rules expose beyond the recorded flows.' })
  newlyReachable!: NewlyReachable[];
}
