import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { scopeSatisfies } from '../auth/scope';
import { RequireScope } from '../auth/require-scope.decorator';
import { ErrorCode } from '../common/errors/error-code';
import {
  ApiProblemResponses,
  BODY_PROBLEMS,
  PATH_ID_PROBLEM,
  QUERY_PROBLEM,
  type ProblemEntry,
  UNREAD_QUERY_PROBLEM,
} from '../common/openapi/api-problem-responses.decorator';
import { uuidParam } from '../targets/uuid-param.pipe';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { CreatedWebhookDto } from './dto/created-webhook.dto';
import { EnabledWebhookDto } from './dto/enabled-webhook.dto';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookDeliveryDetailDto } from './dto/webhook-delivery-detail.dto';
import { WebhookDeliveryPageDto } from './dto/webhook-delivery-page.dto';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookDto } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const URL_REFUSED: ProblemEntry = [
  ErrorCode.ValidationFailed,
  'the settings do not fit the format, or the destination is refused (not https, does not resolve, or resolves to an address that is not public unicast and not in WEBHOOK_ALLOWED_CIDRS)',
];
const NO_ENCRYPTION_KEY: ProblemEntry = [
  ErrorCode.EncryptionKeyMissing,
  'SGDOCTOR_ENCRYPTION_KEY is not set, so the secret or credentials cannot be stored',
];

/** Admins, who set a webhook's URL, read it in full; other keys without its query values (they may be credentials). */
function urlShownTo(principal: Principal | undefined): 'full' | 'query-hidden' {
  return principal && scopeSatisfies(principal.scopes, 'admin') ? 'full' : 'query-hidden';
}

@ApiTags('webhooks')
@ApiKeyAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  // The answer holds a secret shown this once: no cache on the way may keep it.
  @Header('cache-control', 'no-store')
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Subscribe a webhook',
    description:
      'Subscribes a destination to events (finding.opened, analysis.completed, report.ready …), optionally filtered by target, ' +
      'classification and severity. Formats: `standard` (Standard Webhooks, signed with a secret returned this once), `slack`, ' +
      'and the ticketing formats `jira` and `servicenow`, which open and resolve one ticket per finding. Secrets and credentials are stored encrypted.',
  })
  @ApiCreatedResponse({
    type: CreatedWebhookDto,
    description: 'A standard webhook carries its signing secret in `secret`, shown this once.',
  })
  @ApiProblemResponses(...BODY_PROBLEMS, URL_REFUSED, NO_ENCRYPTION_KEY)
  create(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List webhooks',
    description: 'Every subscription, oldest first, with whether it is enabled and why it was disabled; never a secret.',
  })
  @ApiOkResponse({ type: WebhookDto, isArray: true, description: 'Every subscription, without secrets.' })
  @ApiProblemResponses(UNREAD_QUERY_PROBLEM)
  list(@CurrentPrincipal() principal: Principal | undefined): Promise<WebhookDto[]> {
    return this.webhooks.list(urlShownTo(principal));
  }

  @Get('dead-letters')
  @RequireScope('read')
  @ApiOperation({
    summary: 'List dead-lettered deliveries',
    description:
      'Deliveries of every subscription whose retry schedule ran out, newest first, paged with `cursor`; redeliver them one by one.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'Deliveries of every subscription whose retry schedule ran out.' })
  @ApiProblemResponses(QUERY_PROBLEM)
  deadLetters(@Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(null, query, true);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get a webhook',
    description: 'One subscription: destination, events, filters, format and state; never a secret.',
  })
  @ApiOkResponse({ type: WebhookDto, description: 'The subscription.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.WebhookNotFound)
  get(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal | undefined): Promise<WebhookDto> {
    return this.webhooks.get(id, urlShownTo(principal));
  }

  @Patch(':id')
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Update a webhook',
    description:
      'Changes the name, events, filters or destination present in the body. The format cannot change; a standard webhook keeps its secret.',
  })
  @ApiOkResponse({ type: WebhookDto, description: 'The subscription as changed.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ...BODY_PROBLEMS, URL_REFUSED, ErrorCode.WebhookNotFound, NO_ENCRYPTION_KEY)
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Delete a webhook', description: 'Deletes the subscription with its delivery log.' })
  @ApiNoContentResponse({ description: 'Deleted, with its delivery log.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.WebhookNotFound)
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Enable a webhook',
    description:
      'Turns a subscription back on (after a 410 Gone or too many dead-lettered deliveries disabled it) with a clean failure count, ' +
      'and sends the deliveries held while it was off again, oldest event first.',
  })
  @ApiOkResponse({ type: EnabledWebhookDto, description: 'Enabled; deliveries held while it was disabled are sent again, oldest first.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.WebhookNotFound)
  enable(@Param('id', uuidParam) id: string): Promise<EnabledWebhookDto> {
    return this.webhooks.enable(id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Send a test event',
    description: 'Queues a `webhook.test` delivery with a fresh id, sent and retried like any other; follow it in the delivery log.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'A webhook.test delivery, queued.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, ErrorCode.WebhookNotFound)
  test(@Param('id', uuidParam) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.test(id);
  }

  @Get(':id/deliveries')
  @RequireScope('read')
  @ApiOperation({
    summary: "List a webhook's deliveries",
    description: 'The delivery log of one subscription, optionally by status, newest first, paged with `cursor`.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'One page of deliveries; `nextCursor` is null on the last.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, QUERY_PROBLEM, ErrorCode.WebhookNotFound)
  deliveries(@Param('id', uuidParam) id: string, @Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(id, query);
  }

  @Get(':id/dead-letters')
  @RequireScope('read')
  @ApiOperation({
    summary: "List a webhook's dead-lettered deliveries",
    description: 'Deliveries of one subscription whose retry schedule ran out, newest first, paged with `cursor`.',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'One page of dead-lettered deliveries; `nextCursor` is null on the last.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, QUERY_PROBLEM, ErrorCode.WebhookNotFound)
  subscriptionDeadLetters(@Param('id', uuidParam) id: string, @Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(id, query, true);
  }

  @Get(':id/deliveries/:deliveryId')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Get a delivery',
    description: 'One delivery with the exact body sent and every attempt: when, status code or error, and duration.',
  })
  @ApiOkResponse({ type: WebhookDeliveryDetailDto, description: 'The delivery with its body and attempts.' })
  @ApiProblemResponses(PATH_ID_PROBLEM, [ErrorCode.WebhookDeliveryNotFound, 'no such delivery of this webhook'])
  delivery(@Param('id', uuidParam) id: string, @Param('deliveryId', uuidParam) deliveryId: string): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.getDelivery(id, deliveryId);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @RequireScope('write')
  @ApiOperation({
    summary: 'Redeliver a delivery',
    description:
      'Sends a delivery that is not pending (succeeded, failed, dead …) again from the start of the retry schedule, with the same webhook-id and body, so receivers can deduplicate.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'Queued again: same webhook-id, same body.' })
  @ApiProblemResponses(
    PATH_ID_PROBLEM,
    [ErrorCode.WebhookDeliveryNotFound, 'no such delivery of this webhook'],
    [ErrorCode.WebhookDeliveryInvalidState, 'the delivery is still pending'],
  )
  redeliver(@Param('id', uuidParam) id: string, @Param('deliveryId', uuidParam) deliveryId: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
