import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isRetryable } from '../../common/errors/retryability';
import { retryWhileUnavailable } from '../../common/errors/retry-while-unavailable.util';
import type { IntegrationsConfig } from '../../config/app-config';
import { DomainEventType } from '../../events/domain-event';
import { EventsService } from '../../events/events.service';
import type { AttemptResult } from '../attempt-result';
import { DeliveryError } from '../../outbound-http/delivery.errors';
import { DeliveryChannels } from '../channels/delivery-channels';
import { WebhookDeliveryEntity } from '../webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../webhook-subscription.entity';
import { WebhookDeliveriesService } from '../webhook-deliveries.service';
import { RetryScheduledError } from './retry-scheduled.error';
import { SubscriptionSlotsService } from './subscription-slots.service';
import { Clock } from '../../common/clock/clock';

/**
 * How long the outcome of an attempt is tried again while PostgreSQL is unreachable. The request
 * has been sent: failing the job instead would send it again when the job is retried.
 */
const OUTCOME_RECORD_DEADLINE_MS = 120_000;

/** Where a job stands in its schedule: attempt `attempt` of at most `maxAttempts` for this job. */
export interface AttemptPosition {
  attempt: number;
  maxAttempts: number;
}

/**
 * One attempt of one delivery: send, log the attempt, and decide what follows — done, retry
 * later (by throwing RetryScheduledError, which BullMQ turns into a delayed retry), dead-letter
 * when the schedule is exhausted, or disable the subscription (410, or too many dead in a row).
 * A delivery whose subscription is disabled is held, not sent, until the subscription is enabled.
 */
@Injectable()
export class DeliveryAttemptService {
  private readonly logger = new Logger(DeliveryAttemptService.name);
  private readonly settings: IntegrationsConfig;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly channels: DeliveryChannels,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly events: EventsService,
    private readonly slots: SubscriptionSlotsService,
    private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.settings = config.get<IntegrationsConfig>('integrations', { infer: true })!;
  }

  /**
   * 'busy' when the subscription already has its share of deliveries in flight, 'behind' when a
   * resumed delivery's predecessors have not been attempted yet: either way, try again shortly.
   */
  async run(deliveryId: string, position: AttemptPosition): Promise<'done' | 'busy' | 'behind'> {
    const delivery = await this.dataSource.manager.findOneBy(WebhookDeliveryEntity, { id: deliveryId });
    // Gone with its subscription, or already settled by an earlier run of a duplicated job.
    if (!delivery || delivery.status !== 'pending') return 'done';
    const subscription = await this.loadSubscription(delivery.subscriptionId);
    if (!subscription) return 'done';
    if (!subscription.enabled) {
      await this.hold(delivery);
      return 'done';
    }
    if (await this.deliveries.isBehind(delivery)) return 'behind';
    const lease = await this.slots.acquire(subscription.id);
    if (!lease) return 'busy';
    try {
      await this.attemptAndDecide(subscription, delivery, position);
    } finally {
      await this.slots.release(lease);
    }
    return 'done';
  }

  private async attemptAndDecide(
    subscription: WebhookSubscriptionEntity,
    delivery: WebhookDeliveryEntity,
    position: AttemptPosition,
  ): Promise<void> {
    const result = await this.attempt(subscription, delivery);
    // Every step below can run again after an outage: the attempt's log row is written once, and
    // the delivery's row is set to values, not incremented.
    await retryWhileUnavailable(() => this.decide(subscription, delivery, position, result), {
      deadlineMs: OUTCOME_RECORD_DEADLINE_MS,
      onRetry: (error, attempt) =>
        this.logger.warn(`could not record the outcome of delivery ${delivery.id} yet (try ${attempt}): ${String(error)}`),
    });
  }

  private async decide(
    subscription: WebhookSubscriptionEntity,
    delivery: WebhookDeliveryEntity,
    position: AttemptPosition,
    result: AttemptResult,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, status_code, duration_ms, error)
       SELECT $1, $2, $3, $4, $5
       WHERE NOT EXISTS (SELECT 1 FROM webhook_delivery_attempts WHERE delivery_id = $1 AND attempt = $2)`,
      [delivery.id, delivery.attempts + 1, result.statusCode, result.durationMs, result.error],
    );

    if (result.outcome === 'retry') {
      const delay =
        position.attempt < position.maxAttempts ? this.deliveries.schedule.delayBefore(position.attempt + 1, result.retryAfterMs) : null;
      if (delay !== null) {
        await this.record(delivery, result, { status: 'pending', nextAttemptAt: new Date(this.clock.nowMs() + delay) });
        throw new RetryScheduledError(delay, result.error ?? 'delivery failed');
      }
      await this.deadLetter(delivery, subscription, result);
      return;
    }
    if (result.outcome === 'disable') {
      // The delivery whose 410 disabled the subscription is failed; the others of the same burst,
      // answered 410 after it, are held with everything else the subscription missed, so
      // enabling it again sends them.
      await this.disable(subscription, `the receiver answered 410 Gone`, (manager, disabledNow) =>
        this.record(
          delivery,
          result,
          disabledNow ? { status: 'failed', nextAttemptAt: null } : { status: 'held', nextAttemptAt: null },
          manager,
        ),
      );
      return;
    }
    await this.settle(delivery, result, result.outcome === 'delivered');
  }

  private async attempt(subscription: WebhookSubscriptionEntity, delivery: WebhookDeliveryEntity): Promise<AttemptResult> {
    try {
      return await this.channels.of(subscription.format).deliver(delivery, subscription);
    } catch (error) {
      if (error instanceof DeliveryError) {
        return {
          outcome: isRetryable(error) ? 'retry' : 'fail',
          statusCode: null,
          durationMs: null,
          error: `${error.code}: ${error.message}`,
        };
      }
      // Unexpected (decryption, a bug, the database): retried on schedule, never silently dropped.
      this.logger.warn(`delivery ${delivery.id} attempt failed unexpectedly: ${String(error)}`);
      return { outcome: 'retry', statusCode: null, durationMs: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async settle(delivery: WebhookDeliveryEntity, result: AttemptResult, success: boolean): Promise<void> {
    const status = result.outcome === 'delivered' ? 'succeeded' : result.outcome === 'skipped' ? 'skipped' : 'failed';
    await this.record(delivery, result, { status, nextAttemptAt: null, deliveredAt: success ? this.clock.now() : null });
    if (success) {
      await this.dataSource.manager.update(WebhookSubscriptionEntity, { id: delivery.subscriptionId }, { consecutiveDead: 0 });
    }
  }

  /**
   * Not an attempt: the delivery waits, unsent, for the subscription to be re-enabled, which
   * resumes it. Only a still-pending delivery is held, so a concurrent settle is never undone.
   */
  private async hold(delivery: WebhookDeliveryEntity): Promise<void> {
    await this.dataSource.manager.update(
      WebhookDeliveryEntity,
      { id: delivery.id, status: 'pending' },
      { status: 'held', nextAttemptAt: null },
    );
  }

  private async deadLetter(delivery: WebhookDeliveryEntity, subscription: WebhookSubscriptionEntity, result: AttemptResult): Promise<void> {
    await this.record(delivery, result, { status: 'dead', nextAttemptAt: null, deadAt: this.clock.now() });
    const rows = (await this.dataSource.query(
      `UPDATE webhook_subscriptions SET consecutive_dead = consecutive_dead + 1 WHERE id = $1 RETURNING consecutive_dead`,
      [subscription.id],
    )) as [Array<{ consecutive_dead: number }>, number];
    const dead = rows[0][0]?.consecutive_dead ?? 0;
    if (dead >= this.settings.disableAfterDead) {
      await this.disable(subscription, `${dead} consecutive deliveries were dead-lettered`);
    }
  }

  private async record(
    delivery: WebhookDeliveryEntity,
    result: AttemptResult,
    changes: Partial<WebhookDeliveryEntity>,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.update(
      WebhookDeliveryEntity,
      { id: delivery.id },
      {
        attempts: delivery.attempts + 1,
        lastStatusCode: result.statusCode,
        lastDurationMs: result.durationMs,
        lastError: result.error,
        lastAttemptAt: this.clock.now(),
        ...changes,
      },
    );
  }

  /**
   * Disables once (the first caller wins: true) and records a webhook.disabled event for other
   * subscribers; false when the subscription was already disabled. `alongside` writes in the
   * same transaction (the delivery that caused it), so nobody sees one change without the other.
   */
  private async disable(
    subscription: WebhookSubscriptionEntity,
    reason: string,
    alongside?: (manager: EntityManager, disabledNow: boolean) => Promise<void>,
  ): Promise<boolean> {
    const eventIds = await this.dataSource.transaction(async (manager: EntityManager) => {
      const result = await manager.update(
        WebhookSubscriptionEntity,
        { id: subscription.id, enabled: true },
        { enabled: false, disabledAt: this.clock.now(), disabledReason: reason },
      );
      await alongside?.(manager, Boolean(result.affected));
      if (!result.affected) return [];
      const event = await this.events.record(manager, {
        type: DomainEventType.WebhookDisabled,
        subject: { targetId: null, subscriptionId: subscription.id },
        data: { subscriptionId: subscription.id, name: subscription.name, url: subscription.url, reason },
      });
      return [event.id];
    });
    if (eventIds.length === 0) return false;
    this.logger.warn(`webhook ${subscription.id} disabled: ${reason}`);
    // Committed with the change; a publish that fails is left to the events sweep.
    await this.events.publish(eventIds).catch((error: unknown) => this.logger.warn(`could not publish webhook.disabled: ${String(error)}`));
    return true;
  }

  private loadSubscription(id: string): Promise<WebhookSubscriptionEntity | null> {
    return this.dataSource.manager
      .createQueryBuilder(WebhookSubscriptionEntity, 's')
      .addSelect(['s.secretEncrypted', 's.credentialsEncrypted'])
      .where('s.id = :id', { id })
      .getOne();
  }
}
