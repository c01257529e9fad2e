import { afterEach, describe, expect, it } from 'vitest';
import { buildSlackMessage, SlackBlock } from '../../../src/integrations/slack/slack-message.builder';
import { SlackWebhookClient } from '../../../src/integrations/slack/slack-webhook.client';
import { RecordingServer } from '../../support/http/recording-server';
import { sampleFinding } from '../../support/factories/sample-finding';

const textOf = (block: SlackBlock): string => (block.text as { text: string }).text;

describe('Slack Block Kit message', () => {
  it('has a header, fields, peers, the fix as a code block and a context footer', () => {
    const message = buildSlackMessage('finding.opened', sampleFinding(), {
      findingUrl: 'https://sgd.example.com/f/1',
      targetLabel: 'prod',
    });
    expect(message.text).toBe('New finding: tcp/8080 ingress blocked by security group sg-0web000000000000a (ingress)');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'section', 'context']);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: message.text, emoji: false } });
    const fields = message.blocks[1]!.fields as Array<{ type: string; text: string }>;
    expect(fields.map((f) => f.text.split('\n')[0])).toEqual([
      '*Blocked by*',
      '*Traffic*',
      '*Classification*',
      '*Rejected*',
      '*Interfaces*',
      '*Seen*',
    ]);
    expect(fields.every((f) => f.type === 'mrkdwn')).toBe(true);
    expect(textOf(message.blocks[2]!)).toContain('• 10.1.0.12: 11 records');
    expect(textOf(message.blocks[3]!)).toContain('*Suggested fix* (verified)');
    expect(textOf(message.blocks[4]!)).toMatch(/^```\naws ec2 authorize-security-group-ingress [^]*\n```$/);
    const footer = (message.blocks[5]!.elements as Array<{ text: string }>)[0]!.text;
    expect(footer).toBe('Fingerprint `3f6c1e0a9b2d4c7e` · prod · <https://sgd.example.com/f/1|View in sgdoctor>');
  });

  it('escapes mrkdwn control characters and keeps Slack size limits', () => {
    const finding = sampleFinding();
    finding.suggestedFix!.awsCli = `echo "<b>&" ${'x'.repeat(5000)}`;
    const message = buildSlackMessage('finding.reopened', finding, { targetLabel: '<!channel>' });
    const code = textOf(message.blocks[4]!);
    expect(code).toContain('echo "&lt;b&gt;&amp;"');
    expect(code.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(message.blocks.at(-1))).toContain('&lt;!channel&gt;');
    expect(message.text.startsWith('Finding recurred:')).toBe(true);
  });

  it('omits the fix for resolved findings and for noise', () => {
    expect(buildSlackMessage('finding.resolved', sampleFinding()).blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
    ]);
    expect(buildSlackMessage('finding.opened', sampleFinding({ suggestedFix: null })).blocks).toHaveLength(4);
  });
});

describe('SlackWebhookClient', () => {
  let server: RecordingServer;
  afterEach(() => server?.stop());

  it('posts the message as JSON and surfaces Slack’s error text', async () => {
    let reply = { status: 200, body: 'ok' as unknown };
    server = new RecordingServer(() => reply);
    await server.start();
    const client = new SlackWebhookClient(server.client(), `${server.baseUrl}/services/T0/B0/xyz`);
    const message = buildSlackMessage('finding.opened', sampleFinding());
    await client.post(message);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/services/T0/B0/xyz' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual(message);
    reply = { status: 400, body: 'invalid_blocks' };
    await expect(client.post(message)).rejects.toThrow(/Slack answered 400: invalid_blocks/);
  });
});
