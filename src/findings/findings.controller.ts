import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScope } from '../auth/require-scope.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { FindingDetailDto } from './dto/finding-detail.dto';
import { FindingEventDto } from './dto/finding-event.dto';
import { FindingPageDto } from './dto/finding-page.dto';
import { ListFindingsQuery } from './dto/list-findings.query';
import { UpdateFindingDto } from './dto/update-finding.dto';
import { FindingsService } from './findings.service';

@ApiTags('findings')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: FindingPageDto })
  list(@Query() query: ListFindingsQuery): Promise<FindingPageDto> {
    return this.findings.list(query);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOkResponse({ type: FindingDetailDto })
  get(@Param('id', uuidParam) id: string): Promise<FindingDetailDto> {
    return this.findings.get(id);
  }

  @Get(':id/events')
  @RequireScope('read')
  @ApiOkResponse({ type: FindingEventDto, isArray: true, description: 'The status history, oldest first.' })
  events(@Param('id', uuidParam) id: string): Promise<FindingEventDto[]> {
    return this.findings.history(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOkResponse({ type: FindingDetailDto })
  @ApiConflictResponse({ description: 'The status change is not allowed from the current status.' })
  update(
    @Param('id', uuidParam) id: string,
    @Body() dto: UpdateFindingDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<FindingDetailDto> {
    return this.findings.update(id, dto, principal);
  }
}
