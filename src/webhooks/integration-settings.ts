/** Non-secret settings of a ticketing or chat integration, stored in clear beside the subscription. */
export interface JiraSettings {
  email: string;
  projectKey: string;
  issueType: { id: string } | { name: string };
  labels?: string[];
  resolveTransitionId?: string;
}

export interface ServiceNowSettings {
  /** Basic authentication user; absent when a bearer token is used. */
  username?: string;
  assignmentGroup?: string;
  category?: string;
}

export type IntegrationSettings = { jira?: JiraSettings; servicenow?: ServiceNowSettings };

/** Secrets, encrypted as one JSON document. */
export interface IntegrationCredentials {
  jiraApiToken?: string;
  servicenowPassword?: string;
  servicenowToken?: string;
  slackWebhookUrl?: string;
}
