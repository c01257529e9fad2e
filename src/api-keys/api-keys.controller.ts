import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import { uuidParam } from '../targets/uuid-param.pipe';
import {
  ApiProblemResponses,
  BODY_PROBLEMS,
  PATH_ID_PROBLEM,
  UNREAD_QUERY_PROBLEM,
} from '../common/openapi/api-problem-responses.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { CreatedApiKeyDto } from './dto/created-api-key.dto';

@ApiTags('api-keys')
@ApiKeyAuth()
@RequireScope('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  // The answer holds a secret shown this once: no cache on the way may keep it.
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Create an API key',
    description: 'Creates a key with the given scopes. The key itself is in the answer only, this once; only its hash is stored.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key is in `key`, shown this once only.' })
  @ApiProblemResponses(...BODY_PROBLEMS)
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(dto.name, dto.scopes);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys', description: 'Every key, revoked ones included, newest first; never a secret.' })
  @ApiOkResponse({ type: ApiKeyDto, isArray: true, description: 'Every key, without secrets.' })
  @ApiProblemResponses(UNREAD_QUERY_PROBLEM)
  list(): Promise<ApiKeyDto[]> {
    return this.apiKeys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Revocation is permanent and takes effect on the next request; the key stays listed. Revoking twice is harmless.',
  })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.ApiKeyNotFound)
  revoke(@Param('id', uuidParam) id: string): Promise<void> {
    return this.apiKeys.revoke(id);
  }
}
