import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { FINDING_STATUSES } from '../../findings/finding-status';
import { REPORT_SCHEMA_VERSION } from '../render/report-data';

// The report model (src/reports/render/report-data.ts) as the json format serves it. Documentation
// only: test/unit/reports/report-data-schema.spec.ts holds it to a built report.

const CLASSIFICATIONS = ['likely-misconfiguration', 'likely-noise', 'uncertain'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
/** Counts by each of `keys`. */
const counts = (keys: string[]) => ({
  type: 'object' as const,
  properties: Object.fromEntries(keys.map((key) => [key, { type: 'integer' as const }])),
  required: keys,
  selfRequired: true,
});

class ReportPeriodDto {
  @ApiProperty({ format: 'date-time', description: 'Inclusive.' })
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'Exclusive.' })
  to!: string;
}

class ReportTargetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: '111122223333' })
  accountId!: string;

  @ApiProperty({ example: 'eu-west-1' })
  region!: string;
}

class ReportCountsDto {
  @ApiProperty({ type: 'integer' })
  total!: number;

  @ApiProperty({ ...counts(CLASSIFICATIONS) })
  byClassification!: Record<string, number>;

  @ApiProperty({ ...counts(SEVERITIES) })
  bySeverity!: Record<string, number>;
}

class ReportFindingTotalsDto {
  @ApiProperty({ type: ReportCountsDto, description: 'Open or acknowledged when the report was built.' })
  open!: ReportCountsDto;

  @ApiProperty({ type: ReportCountsDto, description: 'First detected during the period.' })
  new!: ReportCountsDto;

  @ApiProperty({ type: ReportCountsDto, description: 'Resolved during the period.' })
  resolved!: ReportCountsDto;

  @ApiProperty({ type: ReportCountsDto, description: 'Reopened during the period after an earlier resolution.' })
  recurring!: ReportCountsDto;
}

class ReportTotalsDto {
  @ApiProperty({ type: 'integer' })
  rejectedRecords!: number;

  @ApiProperty({ type: ReportFindingTotalsDto })
  findings!: ReportFindingTotalsDto;
}

class ReportServiceDto {
  @ApiProperty({ type: 'integer', description: 'IANA protocol number.' })
  protocol!: number;

  @ApiProperty({ type: 'integer', nullable: true })
  port!: number | null;

  @ApiProperty({ example: 'tcp/443' })
  label!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ type: 'integer' })
  findings!: number;
}

class ReportPeerDto {
  @ApiProperty({ example: '10.0.1.25' })
  address!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ type: 'integer' })
  findings!: number;
}

class ReportDeltaDto {
  @ApiProperty()
  previous!: number;

  @ApiProperty()
  current!: number;

  @ApiProperty()
  change!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Null when the previous value was zero.' })
  changePercent!: number | null;
}

class ReportTrendDto {
  @ApiProperty({ format: 'uuid' })
  previousReportId!: string;

  @ApiProperty({ type: ReportPeriodDto })
  previousPeriod!: ReportPeriodDto;

  @ApiProperty({ type: ReportDeltaDto })
  rejectedRecords!: ReportDeltaDto;

  @ApiProperty({ type: ReportDeltaDto })
  openFindings!: ReportDeltaDto;

  @ApiProperty({ type: ReportDeltaDto })
  newFindings!: ReportDeltaDto;

  @ApiProperty({ type: ReportDeltaDto })
  resolvedFindings!: ReportDeltaDto;

  @ApiProperty({ type: ReportDeltaDto })
  recurringFindings!: ReportDeltaDto;
}

class ReportCoverageGapDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ enum: ['vpc', 'subnet', 'network-interface'] })
  resourceType!: string;

  @ApiProperty()
  resourceId!: string;

  @ApiProperty()
  reason!: string;
}

class ReportSeriesPointDto {
  @ApiProperty({ format: 'date-time', description: 'Bucket start.' })
  start!: string;

  @ApiProperty({ type: 'integer' })
  rejectedRecords!: number;
}

class ReportSeriesDto {
  @ApiProperty({ type: 'integer', example: 3600 })
  bucketSeconds!: number;

  @ApiProperty({ type: [ReportSeriesPointDto] })
  points!: ReportSeriesPointDto[];
}

class ReportTicketDto {
  @ApiProperty({ enum: ['jira', 'servicenow'] })
  system!: string;

  @ApiProperty()
  key!: string;

  @ApiProperty()
  url!: string;
}

class ReportFindingRowDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty()
  fingerprint!: string;

  @ApiProperty({ enum: FINDING_STATUSES })
  status!: string;

  @ApiProperty({ enum: ['new', 'recurring', 'resolved', 'ongoing'], description: 'What happened to the finding during the period.' })
  lifecycle!: string;

  @ApiProperty({ enum: CLASSIFICATIONS })
  classification!: string;

  @ApiProperty({ enum: SEVERITIES })
  severity!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  blockedBy!: string;

  @ApiProperty()
  direction!: string;

  @ApiProperty()
  service!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ type: 'integer' })
  packets!: number;

  @ApiProperty({ type: 'integer' })
  peers!: number;

  @ApiProperty({ format: 'date-time' })
  firstSeen!: string;

  @ApiProperty({ format: 'date-time' })
  lastSeen!: string;

  @ApiProperty()
  fixSummary!: string;

  @ApiProperty({ type: Boolean, nullable: true })
  fixVerified!: boolean | null;

  @ApiProperty({ type: String, nullable: true })
  awsCli!: string | null;

  @ApiProperty({ type: String, nullable: true })
  terraform!: string | null;

  @ApiProperty({ type: [String] })
  risks!: string[];

  @ApiProperty({ type: ReportTicketDto, nullable: true })
  ticket!: ReportTicketDto | null;

  @ApiProperty({ required: false, description: "The target's name (absent in reports written before it was kept)." })
  targetName?: string;

  @ApiProperty({
    required: false,
    enum: ['rule', 'campaign'],
    description: '`rule` or `campaign` (absent in reports written before campaigns: rule).',
  })
  kind?: string;
}

class ReportUndecidedDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ example: 'interface-not-in-snapshot', description: 'Why these rejected records have no verdict.' })
  reason!: string;

  @ApiProperty({ description: 'The reason in words.' })
  meaning!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ type: [String], description: 'The interfaces involved (the first ones).' })
  interfaces!: string[];

  @ApiProperty({ type: 'integer' })
  interfaceCount!: number;
}

class ReportDegradedSignalDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ example: 'reject-only-logs', description: 'What the input of the analysis lacked.' })
  kind!: string;

  @ApiProperty()
  detail!: string;

  @ApiProperty({ description: 'What the analysis could not tell without it.' })
  cost!: string;
}

class ReportNotAnalysedDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null when no analysis could be started.' })
  analysisId!: string | null;

  @ApiProperty({
    enum: ['failed', 'cancelled', 'unfinished', 'not-started'],
    description: 'unfinished: still queued or running when the report was built (REPORT_ANALYSIS_WAIT_MS).',
  })
  status!: string;

  @ApiProperty({ example: 'snapshot: CredentialsProviderError: Could not load credentials from any providers' })
  reason!: string;
}

class ReportAccountNotReadDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ example: '222222222222' })
  accountId!: string;

  @ApiProperty({ example: 'eu-west-1' })
  region!: string;

  @ApiProperty({
    enum: ['failed', 'skipped'],
    description: 'failed: its role could not be assumed or EC2 refused; skipped: the organisation lists it as not active.',
  })
  status!: string;

  @ApiProperty({ example: 'AccessDenied: User is not authorized to perform: sts:AssumeRole' })
  reason!: string;
}

class ReportWarningDto {
  @ApiProperty({ description: 'What was not read: a file under the data root, an s3:// object, a table or a log group.' })
  file!: string;

  @ApiProperty()
  message!: string;
}

class ReportInputNotReadDto {
  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ format: 'uuid', description: 'The analysis, which holds every warning.' })
  analysisId!: string;

  @ApiProperty({ type: 'integer' })
  malformedLines!: number;

  @ApiProperty({ type: 'integer' })
  incompleteRecords!: number;

  @ApiProperty({ type: 'integer' })
  filesSkipped!: number;

  @ApiProperty({ type: [ReportWarningDto], description: 'The first 10 warnings of the analysis.' })
  warnings!: ReportWarningDto[];

  @ApiProperty({ type: 'integer', description: 'Warnings the analysis holds beyond these.' })
  moreWarnings!: number;
}

class ReportAddressCountDto {
  @ApiProperty({ example: '203.0.113.45' })
  address!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;
}

class ReportLabelCountDto {
  @ApiProperty({ example: 'tcp/23' })
  label!: string;

  @ApiProperty({ type: 'integer' })
  records!: number;
}

class ReportCampaignRowDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  targetName!: string;

  @ApiProperty({
    type: String,
    enum: ['source', 'network', 'service'],
    nullable: true,
    description: 'Null for a noise finding stored before campaigns.',
  })
  scope!: string | null;

  @ApiProperty({ example: '203.0.113.0/24' })
  label!: string;

  @ApiProperty({ type: 'integer' })
  sources!: number;

  @ApiProperty({ type: 'integer' })
  hosts!: number;

  @ApiProperty({ type: 'integer' })
  ports!: number;

  @ApiProperty({ type: [String], description: 'The most probed services, busiest first.' })
  topPorts!: string[];

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ format: 'date-time' })
  firstSeen!: string;

  @ApiProperty({ format: 'date-time' })
  lastSeen!: string;

  @ApiProperty({ enum: ['new', 'recurring', 'resolved', 'ongoing'] })
  lifecycle!: string;
}

class ReportScannerActivityDto {
  @ApiProperty({ type: 'integer', description: 'Campaigns active in the period.' })
  campaigns!: number;

  @ApiProperty({ type: 'integer' })
  records!: number;

  @ApiProperty({ type: 'integer' })
  sources!: number;

  @ApiProperty({ type: [ReportAddressCountDto] })
  topSources!: ReportAddressCountDto[];

  @ApiProperty({ type: [ReportLabelCountDto] })
  topPorts!: ReportLabelCountDto[];

  @ApiProperty({ type: [ReportCampaignRowDto], description: 'The busiest campaigns (at most 20).' })
  rows!: ReportCampaignRowDto[];

  @ApiProperty({
    type: ReportDeltaDto,
    nullable: true,
    description: "Records against the previous report's scanner activity; null without one.",
  })
  trend!: ReportDeltaDto | null;
}

/** A report in the json format: the stored model every other format is rendered from. */
@ApiSchema({
  name: 'ReportData',
  description: 'A report as `GET /v1/reports/{id}?format=json` serves it; csv, markdown and html render the same model.',
})
export class ReportDataDto {
  @ApiProperty({ type: 'integer', enum: [REPORT_SCHEMA_VERSION] })
  schemaVersion!: number;

  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ format: 'date-time' })
  generatedAt!: string;

  @ApiProperty({ type: ReportPeriodDto })
  period!: ReportPeriodDto;

  @ApiProperty({ type: [ReportTargetDto] })
  targets!: ReportTargetDto[];

  @ApiProperty({ type: ReportTotalsDto })
  totals!: ReportTotalsDto;

  @ApiProperty({ type: [ReportServiceDto], description: 'The most blocked services.' })
  topServices!: ReportServiceDto[];

  @ApiProperty({ type: [ReportPeerDto], description: 'The peers most blocked.' })
  topPeers!: ReportPeerDto[];

  @ApiProperty({ type: ReportTrendDto, nullable: true, description: 'Against the previous report of the schedule; null for the first.' })
  trend!: ReportTrendDto | null;

  @ApiProperty({
    type: [ReportCoverageGapDto],
    description:
      'VPCs, subnets and interfaces in scope with no active flow log capturing REJECT traffic: what is not logged cannot be diagnosed.',
  })
  coverageGaps!: ReportCoverageGapDto[];

  @ApiProperty({ type: ReportSeriesDto, description: 'Rejected records over the period, in buckets.' })
  rejectedSeries!: ReportSeriesDto;

  @ApiProperty({
    type: [ReportFindingRowDto],
    description: 'Every finding; the renderings show those that may need a change in full and sum noise up in `scannerActivity`.',
  })
  findings!: ReportFindingRowDto[];

  @ApiProperty({
    type: [ReportUndecidedDto],
    required: false,
    description: 'Rejected records without a verdict, by reason (absent in reports written before they were kept).',
  })
  undecided?: ReportUndecidedDto[];

  @ApiProperty({
    type: [ReportDegradedSignalDto],
    required: false,
    description: 'Signals the input lacked and what each cost (absent in reports written before they were kept).',
  })
  degradedSignals?: ReportDegradedSignalDto[];

  @ApiProperty({
    type: [ReportNotAnalysedDto],
    required: false,
    description:
      'Targets of the run whose analysis did not succeed (failed, cancelled, unfinished or not started), with the reason: their findings are those of earlier analyses (absent in reports written before it was kept).',
  })
  notAnalysed?: ReportNotAnalysedDto[];

  @ApiProperty({
    type: [ReportAccountNotReadDto],
    required: false,
    description:
      "Member accounts of an organisation target that the run's analysis did not read, with why: nothing of theirs is in the report (absent in reports written before it was kept).",
  })
  accountsNotRead?: ReportAccountNotReadDto[];

  @ApiProperty({
    type: [ReportInputNotReadDto],
    required: false,
    description:
      "Per target, what the run's analysis could not read of its flow logs: malformed lines, incomplete records, files skipped, with the first warnings (absent in reports written before it was kept).",
  })
  inputNotRead?: ReportInputNotReadDto[];

  @ApiProperty({
    type: ReportScannerActivityDto,
    required: false,
    description: 'Scanner noise summed up (absent in reports written before campaigns).',
  })
  scannerActivity?: ReportScannerActivityDto;
}
