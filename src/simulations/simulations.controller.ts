import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses, BODY_PROBLEMS } from '../common/openapi/api-problem-responses.decorator';
import { CreateSimulationDto } from './dto/create-simulation.dto';
import { SimulationResultDto } from './dto/simulation-result.dto';
import { SimulationsService } from './simulations.service';

@ApiTags('simulations')
@ApiKeyAuth()
@Controller('v1/simulations')
export class SimulationsController {
  constructor(private readonly simulations: SimulationsService) {}

  /** Changes nothing anywhere: needs only the read scope. */
  @Post()
  @HttpCode(200)
  @RequireScope('read')
  @ApiOperation({
    summary: 'Simulate rule changes',
    description:
      "Applies the proposed changes (EC2 API requests, as in a finding's suggested fix) to the target's latest analysed " +
      'snapshot and evaluates the rejected flows of its unresolved findings again: which flows they would let through, ' +
      'which findings that resolves, and what else the changes open. Changes nothing anywhere, so the read scope is enough. ' +
      'A parameter the EC2 action does not take (where EC2 answers `UnknownParameter`), at the top of `params` or within one ' +
      'of its members, is a 400 naming it (`changes[0].params.Bogus`).',
  })
  @ApiOkResponse({ type: SimulationResultDto, description: 'What the changes would do to the recorded flows.' })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    ErrorCode.TargetNotFound,
    [ErrorCode.SimulationNoSnapshot, 'the target has no succeeded analysis yet'],
    [ErrorCode.SimulationInvalidChange, 'a change EC2 would refuse, or one that does not fit the snapshot'],
  )
  create(@Body() dto: CreateSimulationDto): Promise<SimulationResultDto> {
    return this.simulations.simulate(dto);
  }
}
