import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, type Repository } from 'typeorm';
import type { FieldError } from '../common/errors/app.error';
import { ValidationError } from '../common/errors/validation.error';
import { isForeignKeyViolation } from '../database/constraint-violation.util';
import type { DomainEventType } from '../events/domain-event';
import { keysetPage, newestFirst } from '../common/http/keyset-page.util';
import { DeliveryError, DeliveryTimeoutError } from '../outbound-http/delivery.errors';
import { originOf, type ResolvedDestination } from './channels/delivery-channel';
import { DeliveryChannels } from './channels/delivery-channels';
import { generateSecret } from './delivery/standard-webhooks';
import type { CreateWebhookDto } from './dto/create-webhook.dto';
import { CreatedWebhookDto } from './dto/created-webhook.dto';
import { EnabledWebhookDto } from './dto/enabled-webhook.dto';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { UpdateWebhookDto } from './dto/update-webhook.dto';
import { WebhookDeliveryAttemptDto } from './dto/webhook-delivery-attempt.dto';
import { WebhookDeliveryDetailDto } from './dto/webhook-delivery-detail.dto';
import { WebhookDeliveryPageDto } from './dto/webhook-delivery-page.dto';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { WebhookDto } from './dto/webhook.dto';
import { OutboundHttpService } from '../outbound-http/outbound-http.service';
import { SecretBoxService } from '../outbound-http/secret-box.service';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDeliveryAttemptEntity } from './webhook-delivery-attempt.entity';
import { WebhookDeliveryInvalidStateError } from './webhook-delivery-invalid-state.error';
import { WebhookDeliveryNotFoundError } from './webhook-delivery-not-found.error';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { effectiveFilters, eventsAllowedFor, type WebhookFormat } from './webhook-format';
import { WebhookNotFoundError } from './webhook-not-found.error';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** Webhook subscriptions: CRUD, enabling, test pings, and the delivery log. */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookSubscriptionEntity) private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookDeliveryAttemptEntity) private readonly attempts: Repository<WebhookDeliveryAttemptEntity>,
    private readonly http: OutboundHttpService,
    private readonly secrets: SecretBoxService,
    private readonly deliveryService: WebhookDeliveriesService,
    private readonly channels: DeliveryChannels,
  ) {}

  async create(dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const format: WebhookFormat = dto.format ?? 'standard';
    checkEvents(format, dto.events);
    const destination = this.resolveDestination(format, dto, true);
    await this.checkUrl(destination);
    const id = randomUUID();
    const secret = format === 'standard' ? generateSecret() : null;
    const entity = this.subscriptions.create({
      id,
      name: dto.name ?? new URL(destination.url).host,
      url: destination.url,
      events: dto.events as DomainEventType[],
      filters: effectiveFilters(format, dto.filters),
      format,
      settings: destination.settings,
      secretEncrypted: secret ? this.secrets.encrypt(secret, id) : null,
      credentialsEncrypted: destination.credentials ? this.secrets.encrypt(JSON.stringify(destination.credentials), id) : null,
      enabled: true,
    });
    await this.subscriptions.insert(entity);
    const created = Object.assign(new CreatedWebhookDto(), WebhookDto.fromEntity(await this.getEntity(id)));
    if (secret) created.secret = secret;
    return created;
  }

  async list(url: 'full' | 'query-hidden'): Promise<WebhookDto[]> {
    const rows = await this.subscriptions.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((row) => WebhookDto.fromEntity(row, url));
  }

  async get(id: string, url: 'full' | 'query-hidden'): Promise<WebhookDto> {
    return WebhookDto.fromEntity(await this.getEntity(id), url);
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const entity = await this.getEntity(id);
    const changes: Partial<WebhookSubscriptionEntity> = {};
    if (dto.events) {
      checkEvents(entity.format, dto.events);
      changes.events = dto.events as DomainEventType[];
    }
    if (dto.filters) changes.filters = effectiveFilters(entity.format, dto.filters);
    if (dto.name) changes.name = dto.name;
    if (dto.url || dto.jira || dto.servicenow || dto.slack) {
      const destination = this.resolveDestination(entity.format, dto, false);
      await this.checkUrl(destination);
      changes.url = destination.url;
      if (entity.format !== 'standard') {
        changes.settings = destination.settings;
        changes.credentialsEncrypted = destination.credentials ? this.secrets.encrypt(JSON.stringify(destination.credentials), id) : null;
      }
    }
    if (Object.keys(changes).length > 0) await this.subscriptions.update({ id }, changes);
    return this.get(id, 'full');
  }

  async remove(id: string): Promise<void> {
    const result = await this.subscriptions.delete({ id });
    if (!result.affected) throw new WebhookNotFoundError(id);
  }

  /**
   * Turns a disabled subscription back on, with a clean failure count, and resumes the
   * deliveries held while it was off (in the same transaction, so a fan-out running meanwhile
   * either sees the subscription enabled or has its held delivery resumed here).
   */
  async enable(id: string): Promise<EnabledWebhookDto> {
    const resumed = await this.subscriptions.manager.transaction(async (manager) => {
      const updated = await manager.update(
        WebhookSubscriptionEntity,
        { id },
        { enabled: true, disabledAt: null, disabledReason: null, consecutiveDead: 0 },
      );
      if (!updated.affected) throw new WebhookNotFoundError(id);
      return this.deliveryService.takeHeld(manager, id);
    });
    await this.deliveryService.enqueueResumed(resumed);
    return Object.assign(new EnabledWebhookDto(), await this.get(id, 'full'), { resumedDeliveries: resumed.length });
  }

  async test(id: string): Promise<WebhookDeliveryDto> {
    const entity = await this.getEntity(id);
    try {
      return WebhookDeliveryDto.fromEntity(await this.deliveryService.ping(entity));
    } catch (error) {
      // Deleted since it was read above, by a request that ran meanwhile.
      if (isForeignKeyViolation(error, 'fk_webhook_deliveries_subscription')) throw new WebhookNotFoundError(id);
      throw error;
    }
  }

  async listDeliveries(subscriptionId: string | null, query: ListDeliveriesQuery, onlyDead = false): Promise<WebhookDeliveryPageDto> {
    if (subscriptionId) await this.getEntity(subscriptionId);
    const qb = this.deliveries.createQueryBuilder('d');
    if (subscriptionId) qb.andWhere('d.subscription_id = :subscriptionId', { subscriptionId });
    const status = onlyDead ? 'dead' : query.status;
    if (status) qb.andWhere('d.status = :status', { status });
    const page = await keysetPage(qb, query, newestFirst('d'));
    return Object.assign(new WebhookDeliveryPageDto(), {
      items: page.items.map((row) => WebhookDeliveryDto.fromEntity(row)),
      nextCursor: page.nextCursor,
    });
  }

  async getDelivery(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryDetailDto> {
    const delivery = await this.getDeliveryEntity(subscriptionId, deliveryId);
    const attempts = await this.attempts.find({ where: { deliveryId }, order: { id: 'ASC' } });
    return Object.assign(new WebhookDeliveryDetailDto(), WebhookDeliveryDto.fromEntity(delivery), {
      payload: delivery.payload,
      attemptLog: attempts.map((attempt) => WebhookDeliveryAttemptDto.fromEntity(attempt)),
    });
  }

  async redeliver(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    const delivery = await this.getDeliveryEntity(subscriptionId, deliveryId);
    if (delivery.status === 'pending') throw new WebhookDeliveryInvalidStateError(deliveryId, delivery.status, 'redelivered');
    return WebhookDeliveryDto.fromEntity(await this.deliveryService.redeliver(delivery));
  }

  /** The id and format of each of these subscriptions that exists (for other modules that name webhooks). */
  formatsOf(ids: readonly string[]): Promise<Array<{ id: string; format: WebhookFormat }>> {
    return this.subscriptions.find({ where: { id: In([...ids]) }, select: { id: true, format: true } });
  }

  private async getEntity(id: string): Promise<WebhookSubscriptionEntity> {
    const entity = await this.subscriptions.findOneBy({ id });
    if (!entity) throw new WebhookNotFoundError(id);
    return entity;
  }

  private async getDeliveryEntity(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryEntity> {
    const delivery = await this.deliveries.findOneBy({ id: deliveryId, subscriptionId });
    if (!delivery) throw new WebhookDeliveryNotFoundError(deliveryId);
    return delivery;
  }

  /** The same SSRF rules as at delivery time, reported against the field that holds the URL. */
  private async checkUrl(destination: ResolvedDestination): Promise<void> {
    try {
      await this.http.client.check(destination.contactUrl ?? destination.url);
    } catch (error) {
      if (error instanceof DeliveryError) {
        // A name DNS did not answer for in time may be fine later: say it could not be checked.
        const verdict = error instanceof DeliveryTimeoutError ? 'could not be checked' : 'is not allowed';
        throw new ValidationError([{ field: destination.urlField, message: `${destination.urlField} ${verdict}: ${error.message}` }]);
      }
      throw error;
    }
  }

  private resolveDestination(format: WebhookFormat, dto: UpdateWebhookDto, creating: boolean): ResolvedDestination {
    const errors: FieldError[] = [];
    const present = (['jira', 'servicenow', 'slack'] as const).filter((key) => dto[key] !== undefined);
    for (const key of present) {
      if (key !== format) errors.push({ field: key, message: `${key} settings do not apply to the ${format} format` });
    }
    if (format !== 'standard' && dto.url !== undefined)
      errors.push({ field: 'url', message: `the ${format} format takes its URL from the ${format} settings` });
    const destination = this.channels.of(format).destination(dto, creating, errors);
    if (destination && errors.length === 0) originOf(destination.contactUrl ?? destination.url, destination.urlField, errors);
    if (errors.length > 0 || !destination) throw new ValidationError(errors);
    return destination;
  }
}

function checkEvents(format: WebhookFormat, events: string[]): void {
  const allowed = eventsAllowedFor(format);
  const refused = allowed ? events.filter((event) => !allowed.includes(event as DomainEventType)) : [];
  if (refused.length > 0) {
    throw new ValidationError([
      { field: 'events', message: `the ${format} format only takes ${allowed!.join(', ')} (not ${refused.join(', ')})` },
    ]);
  }
}
