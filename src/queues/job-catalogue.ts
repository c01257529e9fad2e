import type { Job } from 'bullmq';
import { z } from 'zod';
import { QueueName } from './queue-names';

/**
 * Every job sgdoctor queues: its name, the queue that carries it and the schema of its payload.
 * Producers enqueue through JobProducer, which validates against these schemas; each queue's
 * processor handles exactly the jobs listed for it here (JobHandlerRegistry checks at start).
 */

/** `analysis.run`: ids only; everything else is read from the database. */
export const analysisJobPayloadSchema = z.object({
  analysisId: z.uuid(),
  attempt: z.number().int().min(0),
  /** Times the reconciler queued this attempt again after its job was lost or failed. */
  recoveries: z.number().int().min(0).optional(),
});

/** `webhook.fanout`: the event to fan out to the subscribed webhooks. */
export const fanoutPayloadSchema = z.object({ eventId: z.string().regex(/^evt_[0-9A-Z]{26}$/) });

/**
 * `webhook.deliver`. `priorAttempts`: attempts of this delivery's schedule made before the job
 * was queued (a job re-created by the reconciler after Redis lost the first one), so the
 * schedule goes on where it was instead of starting again.
 */
export const deliverPayloadSchema = z.object({ deliveryId: z.uuid(), priorAttempts: z.number().int().min(0).optional() });

/** `events.sweep`: no payload (fired by its job scheduler). */
export const eventsSweepPayloadSchema = z.object({});

/** `report.run`: fired by its job scheduler, or queued by "run now". */
export const reportRunPayloadSchema = z.object({
  scheduleId: z.uuid(),
  /** Set by POST /v1/report-schedules/:id/run: the run's own key and the moment it was asked for. */
  manual: z.object({ runId: z.uuid(), requestedAt: z.iso.datetime() }).optional(),
  /** Times the reconciler queued a lost manual run again. */
  recoveries: z.number().int().min(0).optional(),
});

/** `analysis.continuous-tick`: a tick of a continuous target's job scheduler. */
export const continuousTickPayloadSchema = z.object({ targetId: z.uuid() });

/** `analysis.athena-spend-sweep`: no payload (fired by its job scheduler). */
export const athenaSpendSweepPayloadSchema = z.object({});

/** `reachability.confirm`: the confirmation's id; everything else is read from its row. */
export const confirmationJobPayloadSchema = z.object({ confirmationId: z.uuid() });

export const ANALYSIS_RUN_JOB = 'analysis.run';
export const WEBHOOK_FANOUT_JOB = 'webhook.fanout';
export const WEBHOOK_DELIVER_JOB = 'webhook.deliver';
export const EVENTS_SWEEP_JOB = 'events.sweep';
export const REPORT_RUN_JOB = 'report.run';
export const REACHABILITY_CONFIRM_JOB = 'reachability.confirm';
export const CONTINUOUS_TICK_JOB = 'analysis.continuous-tick';
export const ATHENA_SPEND_SWEEP_JOB = 'analysis.athena-spend-sweep';

interface JobSpec {
  queue: QueueName;
  payload: z.ZodType;
}

export const JOB_CATALOGUE = {
  [ANALYSIS_RUN_JOB]: { queue: QueueName.Analysis, payload: analysisJobPayloadSchema },
  [CONTINUOUS_TICK_JOB]: { queue: QueueName.Analysis, payload: continuousTickPayloadSchema },
  [ATHENA_SPEND_SWEEP_JOB]: { queue: QueueName.Analysis, payload: athenaSpendSweepPayloadSchema },
  [WEBHOOK_FANOUT_JOB]: { queue: QueueName.WebhookDelivery, payload: fanoutPayloadSchema },
  [WEBHOOK_DELIVER_JOB]: { queue: QueueName.WebhookDelivery, payload: deliverPayloadSchema },
  [EVENTS_SWEEP_JOB]: { queue: QueueName.WebhookDelivery, payload: eventsSweepPayloadSchema },
  [REPORT_RUN_JOB]: { queue: QueueName.Report, payload: reportRunPayloadSchema },
  [REACHABILITY_CONFIRM_JOB]: { queue: QueueName.Reachability, payload: confirmationJobPayloadSchema },
} as const satisfies Record<string, JobSpec>;

type Catalogue = typeof JOB_CATALOGUE;
export type JobName = keyof Catalogue;
export type JobPayload<N extends JobName> = z.infer<Catalogue[N]['payload']>;
/** The names of the jobs a queue carries. */
export type JobsOf<Q extends QueueName> = { [N in JobName]: Catalogue[N]['queue'] extends Q ? N : never }[JobName];

/** A queue's handlers: one per job the catalogue lists for it, no more (checked by the compiler). */
export type QueueHandlers<Q extends QueueName, Result> = { [N in JobsOf<Q>]: (job: Job, token?: string) => Promise<Result> };

/** The jobs a queue carries, from the catalogue. */
export function jobsOf(queue: QueueName): JobName[] {
  return (Object.keys(JOB_CATALOGUE) as JobName[]).filter((name) => JOB_CATALOGUE[name].queue === queue);
}

export type AnalysisJobPayload = JobPayload<typeof ANALYSIS_RUN_JOB>;
export type FanoutPayload = JobPayload<typeof WEBHOOK_FANOUT_JOB>;
export type DeliverPayload = JobPayload<typeof WEBHOOK_DELIVER_JOB>;
export type ReportRunPayload = JobPayload<typeof REPORT_RUN_JOB>;
export type ConfirmationJobPayload = JobPayload<typeof REACHABILITY_CONFIRM_JOB>;
