import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AnalysesService } from '../../analyses/analyses.service';
import { FindingsService } from '../../findings/findings.service';
import { TargetsService } from '../../targets/targets.service';
import { FindingTicketsService } from '../../ticketing/finding-tickets.service';
import type {
  AccountNotRead,
  BuildReportInput,
  CoverageGap,
  DegradedCoverage,
  InputNotRead,
  NotAnalysedTarget,
  ReportData,
  ReportFindingInput,
  ReportPeriod,
  TicketRef,
  UndecidedCoverage,
} from '../render/report-data';
import { ReportEntity } from '../report.entity';
import type { AnalysisStatistics } from '../../analyses/analysis-statistics';
import type { CoverageGap as AnalysisCoverageGap } from '../../engine/coverage/flow-log-coverage';

export interface ReportInputRequest {
  reportId: string;
  title: string;
  scheduleId: string | null;
  targetIds: string[];
  period: ReportPeriod;
  analysisIds: string[];
  /** Targets of the run for which no analysis could be started, with why. */
  notStarted?: Array<{ targetId: string; reason: string }>;
  generatedAt: Date;
}

/**
 * Reads what a report is built from: the targets, their findings (open ones, and those created,
 * reopened or resolved in the period) with lifecycle dates and tickets, rejected-record counts
 * over time, the coverage gaps of the run's analyses, and the schedule's previous report.
 */
@Injectable()
export class ReportInputLoader {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tickets: FindingTicketsService,
    private readonly targets: TargetsService,
    private readonly findings: FindingsService,
    private readonly analyses: AnalysesService,
  ) {}

  async load(request: ReportInputRequest): Promise<BuildReportInput> {
    const targets = await this.targets.findEntities(request.targetIds);
    const findings = await this.findings.forReport(request.targetIds, new Date(request.period.from));
    const reopened = await this.findings.reopenedAt(findings.map((f) => f.id));
    // The run's own analyses finish after the period ends; what they detect belongs to the period.
    const periodEnd = Date.parse(request.period.to);
    const attributed = (date: Date | string | null | undefined): string | null => {
      if (date === null || date === undefined) return null;
      const ms = typeof date === 'string' ? Date.parse(date) : date.getTime();
      return new Date(ms >= periodEnd && ms <= request.generatedAt.getTime() ? periodEnd - 1 : ms).toISOString();
    };
    const tickets = await this.tickets.byFinding(findings.map((f) => f.id));

    return {
      id: request.reportId,
      title: request.title,
      generatedAt: request.generatedAt.toISOString(),
      period: request.period,
      targets: targets.map((t) => ({ id: t.id, name: t.name, accountId: t.accountId, region: t.region })),
      findings: findings.map((f): ReportFindingInput => ({
        id: f.id,
        targetId: f.targetId,
        finding: f.finding,
        status: f.status,
        firstDetectedAt: attributed(f.createdAt)!,
        resolvedAt: attributed(f.resolvedAt),
        reopenedAt: attributed(reopened.get(f.id)),
        ticket: firstTicket(tickets.get(f.id)),
      })),
      rejectedFlows: findings.flatMap((f) => Object.entries(f.counts ?? {}).map(([at, records]) => ({ at, records }))),
      ...(await this.coverage(request.analysisIds)),
      notAnalysed: await this.notAnalysed(request),
      previous: request.scheduleId ? await this.previous(request.scheduleId, request.period) : null,
    };
  }

  /** Coverage gaps, undecided records by reason and degraded signals of the run's analyses. */
  private async coverage(
    analysisIds: string[],
  ): Promise<Pick<BuildReportInput, 'coverageGaps' | 'undecided' | 'degradedSignals' | 'accountsNotRead' | 'inputNotRead'>> {
    if (analysisIds.length === 0) return { coverageGaps: [], undecided: [], degradedSignals: [], accountsNotRead: [], inputNotRead: [] };
    const analyses = await this.analyses.findEntities(analysisIds);
    const seen = new Set<string>();
    const gaps: CoverageGap[] = [];
    const undecided: UndecidedCoverage[] = [];
    const degradedSignals: DegradedCoverage[] = [];
    const accountsNotRead: AccountNotRead[] = [];
    const inputNotRead: InputNotRead[] = [];
    for (const analysis of analyses) {
      const unread = inputNotReadOf(analysis.targetId, analysis.id, analysis.statistics);
      if (unread) inputNotRead.push(unread);
      accountsNotRead.push(...accountsNotReadOf(analysis.targetId, analysis.statistics));
      for (const group of analysis.statistics.undecided ?? []) {
        undecided.push({
          targetId: analysis.targetId,
          reason: group.reason,
          meaning: group.meaning,
          records: group.records,
          interfaces: group.interfaces,
          interfaceCount: group.interfaceCount,
        });
      }
      for (const signal of analysis.statistics.degradedSignals ?? []) degradedSignals.push({ targetId: analysis.targetId, ...signal });
      for (const gap of coverageGapsOf(analysis.statistics)) {
        const key = `${analysis.targetId}/${gap.resourceId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        gaps.push({ targetId: analysis.targetId, resourceType: gap.resourceType, resourceId: gap.resourceId, reason: gap.reason });
      }
    }
    return { coverageGaps: gaps, undecided, degradedSignals, accountsNotRead, inputNotRead };
  }

  /**
   * The targets whose findings the run's analyses did not bring up to date: an analysis that
   * failed, was cancelled or had not finished, and a target no analysis could be started for.
   */
  private async notAnalysed(request: ReportInputRequest): Promise<NotAnalysedTarget[]> {
    const analyses = request.analysisIds.length > 0 ? await this.analyses.findEntities(request.analysisIds) : [];
    const byTarget = new Map(analyses.map((analysis) => [analysis.targetId, analysis]));
    const notStarted = new Map((request.notStarted ?? []).map((entry) => [entry.targetId, entry.reason]));
    const out: NotAnalysedTarget[] = [];
    for (const targetId of request.targetIds) {
      const analysis = byTarget.get(targetId);
      if (!analysis) {
        out.push({ targetId, analysisId: null, status: 'not-started', reason: notStarted.get(targetId) ?? 'no analysis was started' });
        continue;
      }
      if (analysis.status === 'succeeded') continue;
      if (analysis.status === 'failed' || analysis.status === 'cancelled') {
        const failure = analysis.failure;
        const reason = failure ? `${failure.stage ? `${failure.stage}: ` : ''}${failure.reason}` : analysis.status;
        out.push({ targetId, analysisId: analysis.id, status: analysis.status, reason });
      } else {
        out.push({
          targetId,
          analysisId: analysis.id,
          status: 'unfinished',
          reason: `still ${analysis.status}${analysis.stage ? ` (${analysis.stage})` : ''} when the report was built`,
        });
      }
    }
    return out;
  }

  /** The schedule's latest report before this period's end: the trend's baseline. */
  private async previous(scheduleId: string, period: ReportPeriod): Promise<ReportData | null> {
    const row = await this.dataSource.manager
      .createQueryBuilder(ReportEntity, 'r')
      .addSelect('r.data')
      .where('r.schedule_id = :scheduleId', { scheduleId })
      .andWhere('r.period_to <= :to', { to: new Date(period.to) })
      .orderBy('r.period_to', 'DESC')
      .addOrderBy('r.created_at', 'DESC')
      .getOne();
    return row?.data ?? null;
  }
}

function firstTicket(tickets: Array<{ system: 'jira' | 'servicenow'; externalKey: string; url: string }> | undefined): TicketRef | null {
  const ticket = tickets?.[0];
  return ticket ? { system: ticket.system, key: ticket.externalKey, url: ticket.url } : null;
}

/**
 * What an analysis could not see, for the report's coverage: the ids of the target's scope EC2 did
 * not describe (not analysed at all), then the resources no flow log covers.
 */
export function coverageGapsOf(statistics: Pick<AnalysisStatistics, 'scopeNotDescribed' | 'coverageGaps'>): AnalysisCoverageGap[] {
  const reason = "in the target's scope, but EC2 does not describe it (deleted, or in another account or region): not analysed";
  const missing = statistics.scopeNotDescribed;
  return [
    ...(missing?.vpcIds ?? []).map((resourceId) => ({ resourceType: 'vpc' as const, resourceId, reason })),
    ...(missing?.subnetIds ?? []).map((resourceId) => ({ resourceType: 'subnet' as const, resourceId, reason })),
    ...(statistics.coverageGaps ?? []),
  ];
}

/** The member accounts of an organisation target's analysis that were not read (failed) or not active (skipped), with why. */
export function accountsNotReadOf(targetId: string, statistics: Pick<AnalysisStatistics, 'accounts'>): AccountNotRead[] {
  return (statistics.accounts ?? []).flatMap((member) =>
    member.status === 'read'
      ? []
      : [
          {
            targetId,
            accountId: member.accountId,
            region: member.region,
            status: member.status,
            reason: member.error ? `${member.error.code}: ${member.error.message}` : member.status,
          },
        ],
  );
}

/** Warnings of an analysis a report names; the rest are counted and left to the analysis. */
const REPORT_WARNINGS = 10;

/** What an analysis's flow source could not read (malformed or incomplete records, files skipped, warnings); null when it read everything. */
export function inputNotReadOf(
  targetId: string,
  analysisId: string,
  statistics: Pick<AnalysisStatistics, 'malformedLines' | 'incompleteRecords' | 'filesSkipped' | 'warnings'>,
): InputNotRead | null {
  const warnings = statistics.warnings ?? [];
  const counts = {
    malformedLines: statistics.malformedLines ?? 0,
    incompleteRecords: statistics.incompleteRecords ?? 0,
    filesSkipped: statistics.filesSkipped ?? 0,
  };
  if (counts.malformedLines + counts.incompleteRecords + counts.filesSkipped === 0 && warnings.length === 0) return null;
  return {
    targetId,
    analysisId,
    ...counts,
    warnings: warnings.slice(0, REPORT_WARNINGS).map(({ file, message }) => ({ file, message })),
    moreWarnings: Math.max(0, warnings.length - REPORT_WARNINGS),
  };
}
