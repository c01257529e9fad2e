import type { FieldError } from '../common/errors/app.error';
import { ValidationError } from '../common/errors/validation.error';
import type { ConfigSourceDto } from './dto/config-source.dto';
import type { FlowSourceDto } from './dto/flow-source.dto';
import type { TargetAccessDto } from './dto/target-access.dto';

/** The settings each kind takes besides `type`; any other one given is refused, not stored and ignored. */
const ACCESS_FIELDS: Record<TargetAccessDto['type'], ReadonlyArray<keyof TargetAccessDto>> = {
  'default-chain': [],
  'assume-role': ['roleArn', 'externalId'],
};

const FLOW_SOURCE_FIELDS: Record<FlowSourceDto['type'], ReadonlyArray<keyof FlowSourceDto>> = {
  athena: ['workgroup', 'catalog', 'database', 'table', 'outputLocation', 'layout', 'logFormat', 'logDestination'],
  files: ['paths', 'logFormat'],
  'cloudwatch-logs': ['logGroupName', 'flowLogId', 'logFormat'],
  s3: ['bucket', 'prefix', 'accountId', 'region', 'fileFormat', 'hiveCompatible', 'perHourPartitions', 'delivery', 'logFormat'],
};

const CONFIG_SOURCE_FIELDS: Record<ConfigSourceDto['type'], ReadonlyArray<keyof ConfigSourceDto>> = {
  ec2: ['history'],
  'snapshot-file': ['paths'],
  organization: ['accounts', 'regions', 'roleName', 'externalId'],
};

/**
 * Refuses, naming each field, the settings of a target's access, flow source and configuration
 * source that belong to another kind: `{"type": "default-chain", "roleArn": …}` would otherwise
 * be stored as the default chain, and the caller believe a role is assumed.
 */
export function checkSettingsApply(dto: { access?: TargetAccessDto; flowSource?: FlowSourceDto; configSource?: ConfigSourceDto }): void {
  const errors: FieldError[] = [
    ...foreignFields('access', dto.access, ACCESS_FIELDS),
    ...foreignFields('flowSource', dto.flowSource, FLOW_SOURCE_FIELDS),
    ...foreignFields('configSource', dto.configSource, CONFIG_SOURCE_FIELDS),
  ];
  if (errors.length > 0) throw new ValidationError(errors);
}

function foreignFields<T extends { type: string }>(
  name: string,
  settings: T | undefined,
  taken: Record<T['type'], ReadonlyArray<keyof T>>,
): FieldError[] {
  if (!settings) return [];
  const allowed = new Set<PropertyKey>(['type', ...(taken[settings.type as T['type']] ?? [])]);
  return Object.keys(settings)
    .filter((field) => !allowed.has(field) && (settings as Record<string, unknown>)[field] !== undefined)
    .map((field) => ({ field: `${name}.${field}`, message: `${field} does not apply to ${name} type ${settings.type}` }));
}
