import { Injectable } from '@nestjs/common';
import { AnalysesService } from '../analyses/analyses.service';
import type { FieldError } from '../common/errors/app.error';
import { ValidationError } from '../common/errors/validation.error';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { unknownParametersOf } from '../engine/simulate/ec2-request-parameters';
import { simulate } from '../engine/simulate/simulate';
import { SimulationError } from '../engine/simulate/simulation.error';
import { FindingsService } from '../findings/findings.service';
import { TargetsService } from '../targets/targets.service';
import type { CreateSimulationDto } from './dto/create-simulation.dto';
import { SimulationResultDto } from './dto/simulation-result.dto';
import { SimulationInvalidChangeError } from './simulation-invalid-change.error';
import { SimulationNoSnapshotError } from './simulation-no-snapshot.error';

/**
 * What-if on recorded data: applies EC2 changes to the target's latest analysed snapshot and
 * re-explains the rejected flows stored with its findings (not resolved ones).
 */
@Injectable()
export class SimulationsService {
  constructor(
    private readonly targets: TargetsService,
    private readonly analyses: AnalysesService,
    private readonly findingRecords: FindingsService,
  ) {}

  async simulate(dto: CreateSimulationDto): Promise<SimulationResultDto> {
    refuseUnknownParameters(dto);
    await this.targets.getEntity(dto.targetId);
    const window = windowOf(dto);
    const latest = await this.analyses.latestSnapshot(dto.targetId);
    if (!latest) throw new SimulationNoSnapshotError(dto.targetId);

    const findings = await this.findingRecords.unresolvedWithFlows(dto.targetId);
    const owner = new Map<FlowAggregate, (typeof findings)[number]>();
    const flows: FlowAggregate[] = [];
    for (const finding of findings) {
      for (const flow of finding.flows) {
        if (window && (flow.lastSeen < window.from || flow.firstSeen >= window.to)) continue;
        owner.set(flow, finding);
        flows.push(flow);
      }
    }

    let result;
    try {
      result = simulate(latest.snapshot, dto.changes, flows);
    } catch (error) {
      if (error instanceof SimulationError) throw new SimulationInvalidChangeError(error.message, error.code, error.changeIndex);
      throw error;
    }
    const allowed = new Set(result.nowAllowed);
    const resolved = findings.filter((f) => {
      const own = f.flows.filter((flow) => owner.has(flow));
      return own.length > 0 && own.every((flow) => allowed.has(flow));
    });
    return Object.assign(new SimulationResultDto(), {
      snapshotAnalysisId: latest.id,
      flowsEvaluated: flows.length,
      nowAllowed: result.nowAllowed.map((flow) => {
        const finding = owner.get(flow)!;
        return { findingId: finding.id, fingerprint: finding.fingerprint, flow };
      }),
      findingsResolved: resolved.map((f) => ({ findingId: f.id, fingerprint: f.fingerprint })),
      changedFlows: result.changed.length,
      newlyReachable: result.newlyReachable,
    });
  }
}

function windowOf(dto: CreateSimulationDto): { from: number; to: number } | null {
  if (!dto.window) return null;
  const from = Date.parse(dto.window.from) / 1000;
  const to = Date.parse(dto.window.to) / 1000;
  if (!(from < to)) throw new ValidationError([{ field: 'window.to', message: 'window.to must be after window.from' }]);
  return { from, to };
}

/** A parameter EC2 does not take makes it refuse the whole request (UnknownParameter): so does the simulation, naming each. */
function refuseUnknownParameters(dto: CreateSimulationDto): void {
  const errors: FieldError[] = dto.changes.flatMap((change, index) =>
    unknownParametersOf(change.action, change.params).map((parameter) => ({
      field: `changes[${index}].params${parameter.startsWith('[') ? '' : '.'}${parameter}`,
      message: `EC2 ${change.action} takes no such parameter: ${parameter} (EC2 refuses the request with UnknownParameter)`,
    })),
  );
  if (errors.length > 0) throw new ValidationError(errors, 'A change has parameters its EC2 action does not take.');
}
