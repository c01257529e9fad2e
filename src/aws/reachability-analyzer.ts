import type { AnalyzerAnalysis, AnalyzerPathInput } from '../engine/path/analyzer-comparison';
import { abortableSleep } from './abortable-sleep.util';
import { AwsAdapterError } from './aws-adapter.error';
import { ec2Sdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import type { Ec2ClientProvider } from './ec2-snapshotter';
import { toPlainJson } from './plain-json.util';
import { withFailedCall } from './failed-call.util';

export interface ReachabilityAnalyzerOptions {
  /** Between two DescribeNetworkInsightsAnalyses calls (analyses take minutes). */
  pollIntervalMs?: number;
  /** Gives up (and cleans up) after this long; deadlines never reach data, so `performance.now()` times them. */
  timeoutMs?: number;
  /** Injected in tests; defaults to a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** One Reachability Analyzer run: what AWS answered, and whether its path and analysis were deleted. */
export interface AnalyzerRun {
  networkInsightsPathId: string;
  networkInsightsAnalysisId: string | null;
  status: 'succeeded' | 'failed' | 'timed-out';
  statusMessage: string | null;
  /** The analysis as DescribeNetworkInsightsAnalyses returned it (plain JSON); null when it never finished. */
  analysis: AnalyzerAnalysis | null;
  /** Deleting the analysis and the path afterwards (each is a billable, listed resource). */
  cleanup: { deleted: boolean; error: string | null };
}

/**
 * Reachability Analyzer on demand, through the account's EC2 client: creates a NetworkInsightsPath
 * for the pair (idempotent through `clientToken`), starts an analysis, polls
 * DescribeNetworkInsightsAnalyses until it leaves `running`, and always deletes the analysis and
 * then the path, whatever happened. Each analysis is billed (USD 0.10): callers hold the budget.
 */
export class ReachabilityAnalyzer {
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly clients: Ec2ClientProvider,
    options: ReachabilityAnalyzerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * `onStarted` is told the path and analysis ids as soon as AWS has started (and billed) the
   * analysis, before polling: callers record the charge even if polling later fails.
   */
  async analyze(
    target: AwsTarget,
    path: AnalyzerPathInput,
    clientToken: string,
    signal?: AbortSignal,
    onStarted?: (ids: { networkInsightsPathId: string; networkInsightsAnalysisId: string }) => Promise<void>,
  ): Promise<AnalyzerRun> {
    const client = this.clients.ec2(target);
    const { CreateNetworkInsightsPathCommand, DescribeNetworkInsightsAnalysesCommand, StartNetworkInsightsAnalysisCommand } = ec2Sdk();
    // EC2's refusals and throttling name no call, account or region: each call's failure does.
    const named = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        throw withFailedCall(error, `ec2:${action}`, target);
      }
    };
    const created = await named('CreateNetworkInsightsPath', () =>
      client.send(
        new CreateNetworkInsightsPathCommand({
          ...path,
          ClientToken: clientToken,
          TagSpecifications: [{ ResourceType: 'network-insights-path', Tags: [{ Key: 'created-by', Value: 'sgdoctor' }] }],
        }),
        { abortSignal: signal },
      ),
    );
    const pathId = created.NetworkInsightsPath?.NetworkInsightsPathId;
    if (!pathId) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'CreateNetworkInsightsPath returned no NetworkInsightsPathId');
    let analysisId: string | null = null;
    const run: AnalyzerRun = {
      networkInsightsPathId: pathId,
      networkInsightsAnalysisId: null,
      status: 'timed-out',
      statusMessage: null,
      analysis: null,
      cleanup: { deleted: false, error: null },
    };
    try {
      const started = await named('StartNetworkInsightsAnalysis', () =>
        client.send(new StartNetworkInsightsAnalysisCommand({ NetworkInsightsPathId: pathId, ClientToken: `${clientToken}-analysis` }), {
          abortSignal: signal,
        }),
      );
      analysisId = started.NetworkInsightsAnalysis?.NetworkInsightsAnalysisId ?? null;
      if (!analysisId)
        throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'StartNetworkInsightsAnalysis returned no NetworkInsightsAnalysisId');
      const startedId = analysisId;
      run.networkInsightsAnalysisId = startedId;
      await onStarted?.({ networkInsightsPathId: pathId, networkInsightsAnalysisId: startedId });
      const deadline = this.now() + this.timeoutMs;
      for (;;) {
        const page = await named('DescribeNetworkInsightsAnalyses', () =>
          client.send(new DescribeNetworkInsightsAnalysesCommand({ NetworkInsightsAnalysisIds: [startedId] }), { abortSignal: signal }),
        );
        const analysis = page.NetworkInsightsAnalyses?.[0];
        if (!analysis) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `DescribeNetworkInsightsAnalyses did not return ${startedId}`);
        if (analysis.Status && analysis.Status !== 'running') {
          run.status = analysis.Status === 'succeeded' ? 'succeeded' : 'failed';
          run.statusMessage = analysis.StatusMessage ?? null;
          run.analysis = toPlainJson(analysis) as AnalyzerAnalysis;
          break;
        }
        if (this.now() >= deadline) {
          run.statusMessage = `the analysis was still running after ${Math.round(this.timeoutMs / 1000)} s`;
          break;
        }
        await this.sleep(this.pollIntervalMs, signal);
      }
    } finally {
      run.cleanup = await this.cleanUp(target, pathId, analysisId);
    }
    return run;
  }

  /** Deletes the analysis, then the path (a path with analyses cannot be deleted). Never throws: the result says what failed. */
  private async cleanUp(target: AwsTarget, pathId: string, analysisId: string | null): Promise<AnalyzerRun['cleanup']> {
    const client = this.clients.ec2(target);
    const { DeleteNetworkInsightsAnalysisCommand, DeleteNetworkInsightsPathCommand } = ec2Sdk();
    try {
      if (analysisId) await client.send(new DeleteNetworkInsightsAnalysisCommand({ NetworkInsightsAnalysisId: analysisId }));
      await client.send(new DeleteNetworkInsightsPathCommand({ NetworkInsightsPathId: pathId }));
      return { deleted: true, error: null };
    } catch (error) {
      return { deleted: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }
}
