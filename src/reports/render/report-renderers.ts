import { renderCsvReport } from './csv-report.renderer';
import { renderHtmlReport } from './html-report.renderer';
import { renderJsonReport } from './json-report.renderer';
import { renderMarkdownReport } from './markdown-report.renderer';
import type { ReportData, ReportFormat } from './report-data';

export interface RenderedReport {
  format: ReportFormat;
  contentType: string;
  extension: string;
  body: string;
}

const RENDERERS: Record<ReportFormat, { contentType: string; extension: string; render: (d: ReportData) => string }> = {
  json: { contentType: 'application/json; charset=utf-8', extension: 'json', render: renderJsonReport },
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', render: renderCsvReport },
  markdown: { contentType: 'text/markdown; charset=utf-8', extension: 'md', render: renderMarkdownReport },
  html: { contentType: 'text/html; charset=utf-8', extension: 'html', render: renderHtmlReport },
};

export const REPORT_FORMATS = Object.keys(RENDERERS) as ReportFormat[];

/** Renders a report in one format, with what an HTTP response or a file needs. */
export function renderReport(data: ReportData, format: ReportFormat): RenderedReport {
  const renderer = RENDERERS[format];
  return { format, contentType: renderer.contentType, extension: renderer.extension, body: renderer.render(data) };
}
