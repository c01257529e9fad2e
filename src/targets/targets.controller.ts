import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import { uuidParam } from './uuid-param.pipe';
import { CreateTargetDto } from './dto/create-target.dto';
import { TargetDto } from './dto/target.dto';
import { UpdateTargetDto } from './dto/update-target.dto';
import { TargetsService } from './targets.service';

@ApiTags('targets')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Post()
  @RequireScope('write')
  @ApiCreatedResponse({ type: TargetDto })
  create(@Body() dto: CreateTargetDto): Promise<TargetDto> {
    return this.targets.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: TargetDto, isArray: true })
  list(): Promise<TargetDto[]> {
    return this.targets.list();
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOkResponse({ type: TargetDto })
  get(@Param('id', uuidParam) id: string): Promise<TargetDto> {
    return this.targets.get(id);
  }

  @Patch(':id')
  @RequireScope('write')
  @ApiOkResponse({ type: TargetDto })
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateTargetDto): Promise<TargetDto> {
    return this.targets.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('write')
  @ApiNoContentResponse({ description: 'Deleted, with its analyses and findings.' })
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.targets.remove(id);
  }
}
