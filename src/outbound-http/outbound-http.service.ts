import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IntegrationsConfig } from '../config/app-config';
import { SafeHttpClient } from './safe-http-client';
import { SsrfGuard, type HostResolver } from './ssrf-guard';

/** Replaces DNS for the SSRF guard (tests map names to chosen addresses); default: the system resolver. */
export const HOST_RESOLVER = Symbol('HOST_RESOLVER');

/**
 * The one guard and HTTP client for every URL users configure (webhooks, Jira, ServiceNow,
 * Slack), built from the integration settings: the same rules at create time and at delivery.
 */
@Injectable()
export class OutboundHttpService {
  readonly guard: SsrfGuard;
  readonly client: SafeHttpClient;

  constructor(config: ConfigService, @Inject(HOST_RESOLVER) resolver: HostResolver) {
    const settings = config.get<IntegrationsConfig>('integrations', { infer: true })!;
    this.guard = new SsrfGuard({
      allowHttp: settings.allowHttp,
      allowedCidrs: settings.allowedCidrs,
      resolver,
    });
    this.client = new SafeHttpClient(this.guard, {
      connectTimeoutMs: Math.min(settings.timeoutMs, 5_000),
      headersTimeoutMs: settings.timeoutMs,
      bodyTimeoutMs: settings.timeoutMs,
      totalTimeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      userAgent: 'sgdoctor-webhooks/1',
    });
  }
}
