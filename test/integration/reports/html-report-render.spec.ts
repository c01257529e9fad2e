import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportData } from '../../../src/reports/render/build-report-data';
import { renderHtmlReport } from '../../../src/reports/render/html-report.renderer';
import { CHART_BAR_COLOR } from '../../../src/reports/render/rejected-flows-chart';
import { sampleReportInput } from '../../support/factories/sample-report-input';
import { serverEnv } from '../../support/app/server-env';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WIDTH = 1200;
const HEIGHT = 1600;

/** Headless Chromium with everything that would reach the network turned off. */
function screenshot(htmlPath: string, pngPath: string, profileDir: string): Promise<void> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profileDir}`,
    `--window-size=${WIDTH},${HEIGHT}`,
    '--hide-scrollbars',
    `--screenshot=${pngPath}`,
    `file://${htmlPath}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], env: serverEnv() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(pngPath)) resolve();
      else reject(new Error(`chromium exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

describe('HTML report in headless Chromium', () => {
  let dir: string;
  let png: PNG;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
    dir = mkdtempSync(join(tmpdir(), 'sgdoctor-report-'));
    const htmlPath = join(dir, 'report.html');
    const pngPath = join(dir, 'report.png');
    const previous = buildReportData(
      sampleReportInput({ id: 'rep-prev', findings: [], rejectedFlows: [{ at: '2026-11-01T10:00:00Z', records: 5000 }] }),
    );
    writeFileSync(htmlPath, renderHtmlReport(buildReportData(sampleReportInput({ previous }))));
    await screenshot(htmlPath, pngPath, join(dir, 'profile'));
    png = PNG.sync.read(readFileSync(pngPath));
    if (process.env.REPORT_PNG_OUT) writeFileSync(process.env.REPORT_PNG_OUT, readFileSync(pngPath));
  }, 90_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders a page of the requested size that is not blank', () => {
    expect(png.width).toBe(WIDTH);
    expect(png.height).toBe(HEIGHT);
    const colours = new Set<number>();
    let nonWhite = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      colours.add((r << 16) | (g << 8) | b);
      if (r < 240 || g < 240 || b < 240) nonWhite++;
    }
    expect(colours.size).toBeGreaterThan(50);
    expect(nonWhite / (png.width * png.height)).toBeGreaterThan(0.05);
  });

  it('shows the chart bars in their colour, in the upper part of the page', () => {
    const [br, bg, bb] = hexToRgb(CHART_BAR_COLOR);
    let barPixels = 0;
    let lowestRow = 0;
    let highestRow = png.height;
    for (let y = 0; y < png.height / 2; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        const close = Math.abs(png.data[i]! - br) + Math.abs(png.data[i + 1]! - bg) + Math.abs(png.data[i + 2]! - bb) < 30;
        if (close) {
          barPixels++;
          lowestRow = Math.max(lowestRow, y);
          highestRow = Math.min(highestRow, y);
        }
      }
    }
    // 24 bars of 30+ px width and up to 220 px height: thousands of pixels, spread vertically.
    expect(barPixels).toBeGreaterThan(5_000);
    expect(lowestRow - highestRow).toBeGreaterThan(100);
  });
});
