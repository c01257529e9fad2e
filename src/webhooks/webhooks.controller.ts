import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/require-scope.decorator';
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

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @RequireScope('admin')
  @ApiCreatedResponse({ type: CreatedWebhookDto, description: 'A standard webhook carries its signing secret in `secret`, shown this once.' })
  create(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(dto);
  }

  @Get()
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDto, isArray: true })
  list(): Promise<WebhookDto[]> {
    return this.webhooks.list();
  }

  @Get('dead-letters')
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'Deliveries of every subscription whose retry schedule ran out.' })
  deadLetters(@Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(null, query, true);
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDto })
  get(@Param('id', uuidParam) id: string): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @RequireScope('admin')
  @ApiOkResponse({ type: WebhookDto })
  update(@Param('id', uuidParam) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiNoContentResponse({ description: 'Deleted, with its delivery log.' })
  remove(@Param('id', uuidParam) id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOkResponse({ type: EnabledWebhookDto, description: 'Enabled; deliveries held while it was disabled are sent again, oldest first.' })
  enable(@Param('id', uuidParam) id: string): Promise<EnabledWebhookDto> {
    return this.webhooks.enable(id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('write')
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'A webhook.test delivery, queued.' })
  test(@Param('id', uuidParam) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.test(id);
  }

  @Get(':id/deliveries')
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  deliveries(@Param('id', uuidParam) id: string, @Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(id, query);
  }

  @Get(':id/dead-letters')
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  subscriptionDeadLetters(@Param('id', uuidParam) id: string, @Query() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.listDeliveries(id, query, true);
  }

  @Get(':id/deliveries/:deliveryId')
  @RequireScope('read')
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  delivery(@Param('id', uuidParam) id: string, @Param('deliveryId', uuidParam) deliveryId: string): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.getDelivery(id, deliveryId);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @RequireScope('write')
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'Queued again: same webhook-id, same body.' })
  redeliver(@Param('id', uuidParam) id: string, @Param('deliveryId', uuidParam) deliveryId: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
