import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { Clock } from '../common/clock/clock';
import { ErrorCode } from '../common/errors/error-code';
import { ApiProblemResponses, PATH_ID_PROBLEM, QUERY_PROBLEM } from '../common/openapi/api-problem-responses.decorator';
import { monthOf } from '../confirmations/reachability-budget';
import { TargetsService } from '../targets/targets.service';
import { uuidParam } from '../targets/uuid-param.pipe';
import { TargetCostsDto, TargetCostsQuery } from './dto/target-costs.dto';
import { parseMonth, TargetCostsService } from './target-costs.service';

@ApiTags('targets')
@ApiKeyAuth()
@Controller('v1/targets')
export class TargetCostsController {
  constructor(
    private readonly targets: TargetsService,
    private readonly costs: TargetCostsService,
    private readonly clock: Clock,
  ) {}

  @Get(':id/costs')
  @RequireScope('read')
  @ApiOperation({
    summary: "A target's scan costs for a month",
    description:
      'What the Athena queries of the target’s analyses scanned in the month (UTC), as Athena reported it — every query, ' +
      'including those stopped on a timeout, cancelled or failed, and every attempt of a retried analysis — and what that ' +
      'cost, with the budget and what is left of it. The month defaults to the current one.',
  })
  @ApiOkResponse({ type: TargetCostsDto, description: "The month's scans." })
  @ApiProblemResponses(PATH_ID_PROBLEM, QUERY_PROBLEM, ErrorCode.TargetNotFound)
  async get(@Param('id', uuidParam) id: string, @Query() query: TargetCostsQuery): Promise<TargetCostsDto> {
    const target = await this.targets.getEntity(id);
    const month = (query.month ? parseMonth(query.month) : null) ?? monthOf(this.clock.now());
    const costs = await this.costs.month(id, month);
    const budget = target.budget ?? null;
    return Object.assign(new TargetCostsDto(), {
      targetId: id,
      month: costs.month,
      from: costs.from.toISOString(),
      to: costs.to.toISOString(),
      analyses: costs.analyses,
      queries: costs.queries,
      queriesWithoutResult: costs.queriesWithoutResult,
      queriesUnsettled: costs.queriesUnsettled,
      bytesScanned: costs.bytesScanned,
      costUsd: costs.costUsd,
      budget,
      remainingUsd: budget?.monthlyUsd != null ? Math.max(0, budget.monthlyUsd - costs.costUsd) : null,
    });
  }
}
