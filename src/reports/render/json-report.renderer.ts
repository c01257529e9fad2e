import type { ReportData } from './report-data';

/** The report model as stored and served: stable key order, two-space indent. */
export function renderJsonReport(data: ReportData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}
