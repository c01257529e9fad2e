/**
 * EC2 responses of Reachability Analyzer in the shapes the API reference and the
 * describe-network-insights-analyses examples document, for one account and region.
 */
export interface AnalyzerAccount {
  accountId: string;
  region: string;
}

export interface AnalyzerIds {
  pathId: string;
  analysisId: string;
  /** CreatedDate of the path; the analysis starts a second later. */
  createdAt: string;
}

/** Where a finished analysis says the path stops (the destination's interface and groups). */
export interface BlockedAt {
  interfaceId: string;
  securityGroupIds: string[];
  subnetId: string;
  vpcId: string;
}

export function analyzerResponses(account: AnalyzerAccount, ids: AnalyzerIds) {
  const arn = (kind: string, id: string) => `arn:aws:ec2:${account.region}:${account.accountId}:${kind}/${id}`;
  const started = {
    NetworkInsightsAnalysis: {
      NetworkInsightsAnalysisId: ids.analysisId,
      NetworkInsightsAnalysisArn: arn('network-insights-analysis', ids.analysisId),
      NetworkInsightsPathId: ids.pathId,
      StartDate: new Date(Date.parse(ids.createdAt) + 1000),
      Status: 'running' as const,
    },
  };
  return {
    arn,
    /** CreateNetworkInsightsPath's answer for the path asked. */
    createdPath: (input: { Source?: string; Destination?: string; Protocol?: string; DestinationPort?: number }) => ({
      NetworkInsightsPath: {
        NetworkInsightsPathId: ids.pathId,
        NetworkInsightsPathArn: arn('network-insights-path', ids.pathId),
        CreatedDate: new Date(ids.createdAt),
        Source: input.Source,
        Destination: input.Destination,
        Protocol: input.Protocol as 'tcp',
        DestinationPort: input.DestinationPort,
        Tags: [{ Key: 'created-by', Value: 'sgdoctor' }],
      },
    }),
    /** StartNetworkInsightsAnalysis's answer. */
    started,
    running: { NetworkInsightsAnalyses: [{ ...started.NetworkInsightsAnalysis }] },
    /** Not reachable: the destination interface's security groups blamed. */
    blocked: (at: BlockedAt) => ({
      NetworkInsightsAnalyses: [
        {
          ...started.NetworkInsightsAnalysis,
          Status: 'succeeded' as const,
          NetworkPathFound: false,
          Explanations: [
            {
              Direction: 'ingress',
              ExplanationCode: 'ENI_SG_RULES_MISMATCH',
              NetworkInterface: { Id: at.interfaceId, Arn: arn('network-interface', at.interfaceId) },
              SecurityGroups: at.securityGroupIds.map((id) => ({ Id: id, Arn: arn('security-group', id) })),
              Subnet: { Id: at.subnetId, Arn: arn('subnet', at.subnetId) },
              Vpc: { Id: at.vpcId, Arn: arn('vpc', at.vpcId) },
            },
          ],
          Tags: [],
        },
      ],
    }),
    reachable: {
      NetworkInsightsAnalyses: [
        { ...started.NetworkInsightsAnalysis, Status: 'succeeded' as const, NetworkPathFound: true, Explanations: [], Tags: [] },
      ],
    },
    /** A failed analysis, with AWS's reason. */
    failed: (missingComponent: string) => ({
      NetworkInsightsAnalyses: [
        {
          ...started.NetworkInsightsAnalysis,
          Status: 'failed' as const,
          StatusMessage: `The request failed due to missing component ${missingComponent}`,
        },
      ],
    }),
  };
}
