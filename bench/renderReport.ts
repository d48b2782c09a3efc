/** Re-renders bench/report.md from bench/report.json (no measuring): `node --import tsx bench/renderReport.ts`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from './analysis';
import { REPO_ROOT } from './common';
import { renderMarkdown } from './report';
import type { BenchReport } from './types';

const report = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'report.json'), 'utf8')) as BenchReport;
fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'report.md'), renderMarkdown(report, analyze));
process.stdout.write('bench/report.md re-rendered from bench/report.json\n');
