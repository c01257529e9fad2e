import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import {
  ApiProblemResponses,
  BODY_PROBLEMS,
  PATH_ID_PROBLEM,
  UNREAD_QUERY_PROBLEM,
} from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from './uuid-param.pipe';
import { CreateTargetDto } from './dto/create-target.dto';
import { TargetDto } from './dto/target.dto';
import { UpdateTargetDto } from './dto/update-target.dto';
import { TargetsService } from './targets.service';

@ApiTags('targets')
@ApiKeyAuth()
@Controller('v1/targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Post()
  @RequireScope('write')
  @ApiOperation({
    summary: 'Create a target',
    description:
      'A target is one AWS account and region to analyse: where its flow logs come from (Athena, or flow-log files under ' +
      'SGDOCTOR_DATA_ROOT), where its network configuration comes from (the EC2 API, or snapshot files), how to reach ' +
      'the account (the default credentials, or a role to assume) and an optional scope (VPCs, subnets).',
  })
  @ApiCreatedResponse({ type: TargetDto, description: 'Created.' })
  @ApiProblemResponses(...BODY_PROBLEMS)
  create(@Body() dto: CreateTargetDto): Promise<TargetDto> {
    return this.targets.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'List targets', description: 'Every target, newest first.' })
  @ApiOkResponse({ type: TargetDto, isArray: true, description: 'Every target.' })
  @ApiProblemResponses(UNREAD_QUERY_PROBLEM)
  list(): Promise<TargetDto[]> {
    return this.targets.list();
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'Get a target', description: 'One target with its sources, access and scope.' })
  @ApiOkResponse({ type: TargetDto, description: 'The target.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.TargetNotFound)
  get(@Param('id', uuidParam) id: string): Promise<TargetDto> {
    return this.targets.get(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOperation({
    summary: 'Update a target',
    description: 'Changes the fields present in the body; a source given is replaced whole. Analyses already run keep what they used.',
  })
  @ApiOkResponse({ type: TargetDto, description: 'The target as changed.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ...BODY_PROBLEMS, ErrorCode.TargetNotFound)
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateTargetDto): Promise<TargetDto> {
    return this.targets.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Delete a target',
    description: 'Deletes the target with its analyses and findings; events already emitted stay in the outbox.',
  })
  @ApiNoContentResponse({ description: 'Deleted, with its analyses and findings.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.TargetNotFound)
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.targets.remove(id);
  }
}
