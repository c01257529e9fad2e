import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
import { ValidationError } from '../common/errors/validation.error';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { CreatedApiKeyDto } from './dto/created-api-key.dto';

const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationError([{ field: 'id', message: 'id must be a UUID' }]),
});

@ApiTags('api-keys')
@ApiBearerAuth()
@ApiSecurity('api-key')
@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is in `key`, shown this once only.' })
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(dto.name, dto.scopes);
  }

  @Get()
  @ApiOkResponse({ type: ApiKeyDto, isArray: true })
  list(): Promise<ApiKeyDto[]> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked.' })
  revoke(@Param('id', uuidPipe) id: string): Promise<void> {
    return this.apiKeys.revoke(id);
  }
}
