import type { SafeHttpClient } from '../../outbound-http/safe-http-client';
import { sendJson } from '../shared/json-http.util';
import type { SlackMessage } from './slack-message.builder';

/** Posts Block Kit messages to a Slack incoming webhook URL (the URL is the credential). */
export class SlackWebhookClient {
  constructor(
    private readonly http: SafeHttpClient,
    private readonly webhookUrl: string,
  ) {}

  async post(message: SlackMessage): Promise<void> {
    // Slack answers 200 "ok", or 4xx with a plain-text reason (invalid_blocks, no_service …).
    await sendJson(this.http, 'Slack', { method: 'POST', url: this.webhookUrl, headers: {}, body: message });
  }
}
