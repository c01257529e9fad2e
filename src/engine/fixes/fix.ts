export type FixAction =
  | 'AuthorizeSecurityGroupIngress'
  | 'AuthorizeSecurityGroupEgress'
  | 'CreateNetworkAclEntry'
  | 'ReplaceNetworkAclEntry';

/** One EC2 API request, with the request's own parameter names and shapes. */
export interface FixChange {
  action: FixAction;
  params: Record<string, unknown>;
}

/** Something the change makes reachable beyond the observed flows. */
export interface FixRisk {
  kind: string;
  message: string;
  [detail: string]: unknown;
}

export interface SuggestedFix {
  changes: FixChange[];
  awsCli: string;
  terraform: string;
  cloudFormation: string;
  /** True only if simulation shows every flow of the finding allowed after the change. */
  verified: boolean;
  risks: FixRisk[];
}
