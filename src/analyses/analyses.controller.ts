import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScope } from '../auth/require-scope.decorator';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { uuidParam } from '../targets/uuid-param.pipe';
import { AnalysesService } from './analyses.service';
import { AnalysisPageDto } from './dto/analysis-page.dto';
import { AnalysisDto } from './dto/analysis.dto';
import { CreateAnalysisDto } from './dto/create-analysis.dto';
import { ListAnalysesQuery } from './dto/list-analyses.query';

@ApiTags('analyses')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/analyses')
export class AnalysesController {
  constructor(private readonly analyses: AnalysesService) {}

  @Post()
  @HttpCode(202)
  @RequireScope('write')
  @ApiAcceptedResponse({ type: AnalysisDto, description: 'Queued; `Location` points at the analysis.' })
  @ApiConflictResponse({ description: 'Another analysis of the target is queued or running.' })
  async create(
    @Body() dto: CreateAnalysisDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AnalysisDto> {
    const analysis = await this.analyses.create(dto, principal?.keyId ?? null);
    void reply.header('location', `/v1/analyses/${analysis.id}`);
    return analysis;
  }

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: AnalysisPageDto })
  list(@Query() query: ListAnalysesQuery): Promise<AnalysisPageDto> {
    return this.analyses.list(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOkResponse({ type: AnalysisDto })
  get(@Param('id', uuidParam) id: string): Promise<AnalysisDto> {
    return this.analyses.get(id);
  }

  @Get(':id/snapshot')
  @RequireScope('read')
  @ApiOkResponse({ description: 'The network snapshot the analysis evaluated against: EC2 result members by name (DESIGN.md "Network snapshot JSON").' })
  @ApiNotFoundResponse({ description: 'No such analysis (`ANALYSIS.NOT_FOUND`), or it has no snapshot yet (`ANALYSIS.SNAPSHOT_NOT_FOUND`).' })
  snapshot(@Param('id', uuidParam) id: string): Promise<NetworkSnapshot> {
    return this.analyses.getSnapshot(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScope('write')
  @ApiOkResponse({ type: AnalysisDto })
  cancel(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal | undefined): Promise<AnalysisDto> {
    return this.analyses.cancel(id, principal ? `api key ${principal.keyId}` : 'a client');
  }

  @Post(':id/retry')
  @HttpCode(202)
  @RequireScope('write')
  @ApiAcceptedResponse({ type: AnalysisDto })
  retry(@Param('id', uuidParam) id: string): Promise<AnalysisDto> {
    return this.analyses.retry(id);
  }
}
