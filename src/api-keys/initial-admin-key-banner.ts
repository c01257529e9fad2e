import type { CreatedApiKeyDto } from './dto/created-api-key.dto';

/**
 * The message that shows the initial admin key, once, on the API's stderr at its first start
 * (`docker compose logs api` shows it). Plain text, outside the JSON log lines, which never carry a key.
 */
export function initialAdminKeyBanner(created: CreatedApiKeyDto): string {
  const rule = '='.repeat(78);
  return [
    '',
    rule,
    `sgdoctor: no API key existed, so an admin key was created (id ${created.id}, name "${created.name}").`,
    'It is shown only this once; only its hash is stored. Store it now:',
    '',
    `    ${created.key}`,
    '',
    'Send it as `Authorization: Bearer <key>`. Create narrower keys with POST /v1/api-keys and',
    `revoke this one with DELETE /v1/api-keys/${created.id} once you have your own.`,
    rule,
    '',
  ].join('\n');
}
