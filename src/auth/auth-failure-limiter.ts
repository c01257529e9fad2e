import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const THROTTLER_NAME = 'auth-failures';
const WINDOW_MS = 60_000;

/**
 * The limit per client address before authentication: requests that present no key or a wrong
 * one count against their address (across routes and API instances, in Redis), and an address
 * over `RATE_LIMIT_PER_MINUTE` is refused with 429 for a minute, without its key being looked at,
 * so a guess can be neither tried nor confirmed while it is blocked.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limit: number;

  constructor(
    private readonly storage: RedisThrottlerStorage,
    config: ConfigService<AppConfig, true>,
  ) {
    this.limit = config.get('http', { infer: true }).rateLimitPerMinute;
  }

  /** Throws RateLimited while the address is blocked. */
  async checkNotBlocked(address: string): Promise<void> {
    const seconds = await this.storage.blockedFor(trackerOf(address), THROTTLER_NAME);
    if (seconds > 0) throw this.limited(seconds);
  }

  /** The counter of the address's failures, for the check ApiKeyThrottlerGuard makes of a request ApiKeyGuard authenticated without a round trip. */
  counterOf(address: string): { key: string; throttlerName: string } {
    return { key: trackerOf(address), throttlerName: THROTTLER_NAME };
  }

  /** Counts a failed authentication; returns the error to answer with (401, or 429 once over the limit). */
  async failed(address: string, unauthenticated: AppError): Promise<AppError> {
    const record = await this.storage.increment(trackerOf(address), WINDOW_MS, this.limit, WINDOW_MS, THROTTLER_NAME);
    return record.isBlocked ? this.limited(record.timeToBlockExpire) : unauthenticated;
  }

  /** The answer to an address blocked for `seconds` more. */
  limited(seconds: number): AppError {
    return new AppError(ErrorCode.RateLimited, `Too many failed authentications from this address: at most ${this.limit} a minute.`, {
      retryAfterSeconds: seconds,
    });
  }
}

function trackerOf(address: string): string {
  return `ip:${address}`;
}
