import type { RejectedSeries } from './report-data';
import { escapeHtml } from './html-escape.util';

export const CHART_BAR_COLOR = '#d9480f';

export interface ChartSize {
  width: number;
  height: number;
}

const MARGIN = { top: 16, right: 16, bottom: 40, left: 64 };

/**
 * An inline SVG bar chart of blocked records (the findings' rejected records) per bucket: plain markup, so it shows without
 * JavaScript, in mail clients that allow inline SVG, and in a headless screenshot.
 */
export function renderRejectedFlowsChart(series: RejectedSeries, size: ChartSize = { width: 1000, height: 280 }): string {
  const { width, height } = size;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const points = series.points;
  const max = Math.max(1, ...points.map((p) => p.rejectedRecords));
  const yMax = niceCeiling(max);
  const slot = points.length > 0 ? plotW / points.length : plotW;
  const barW = Math.max(1, slot * 0.8);

  const bars = points
    .map((p, i) => {
      const h = (p.rejectedRecords / yMax) * plotH;
      const x = MARGIN.left + i * slot + (slot - barW) / 2;
      const y = MARGIN.top + plotH - h;
      return `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(barW)}" height="${fmt(h)}" fill="${CHART_BAR_COLOR}"><title>${escapeHtml(p.start)}: ${p.rejectedRecords}</title></rect>`;
    })
    .join('');

  const gridLines = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = MARGIN.top + plotH - f * plotH;
      return (
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#dee2e6" stroke-width="1"/>` +
        `<text x="${MARGIN.left - 8}" y="${fmt(y + 4)}" text-anchor="end" font-size="12" fill="#495057">${formatCount(yMax * f)}</text>`
      );
    })
    .join('');

  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  const xLabels = points
    .map((p, i) => {
      if (i % labelEvery !== 0) return '';
      const x = MARGIN.left + i * slot + slot / 2;
      return `<text x="${fmt(x)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle" font-size="12" fill="#495057">${escapeHtml(bucketLabel(p.start, series.bucketSeconds))}</text>`;
    })
    .join('');

  const unit = series.bucketSeconds >= 86_400 ? 'day' : 'hour';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Blocked records per ${unit}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">` +
    `<title>Blocked records per ${unit}</title>` +
    gridLines +
    bars +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#495057" stroke-width="1"/>` +
    xLabels +
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 4}" text-anchor="middle" font-size="12" fill="#495057">UTC, one bar per ${unit}</text>` +
    `</svg>`
  );
}

/** 1, 2 or 5 times a power of ten, at or above the value: round axis labels. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function formatCount(value: number): string {
  if (value >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (value >= 1_000) return `${trim(value / 1_000)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function bucketLabel(iso: string, bucketSeconds: number): string {
  // `2026-11-01T06:00:00Z` → `11-01 06:00` (hourly) or `11-01` (daily)
  return bucketSeconds >= 86_400 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}
