/**
 * `langevin-pc report DIR [DIR ...] [--out FILE]`: rebuilds a run's report.html from its folder (metrics.json,
 * samples.png, reconstructions.png), or draws several runs on the same axes in one page (LPC beside the VAE).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LpcError } from '../../errors.js';
import { readReportRun, runReportHtml } from '../../report/run-report.js';
import { RUN_FILES } from '../../training/run-directory.js';

/** The command's options as commander passes them. */
export interface ReportCliOptions {
  out?: string;
}

/**
 * Writes the report of `dirs` and returns its path: DIR/report.html for one folder without --out.
 *
 * @example
 * await runReport(['runs/lpc', 'runs/vae'], { out: 'compare.html' });
 */
export async function runReport(dirs: readonly string[], options: ReportCliOptions): Promise<string> {
  if (dirs.length > 1 && options.out === undefined) {
    throw new LpcError('LPC_INVALID_ARGUMENT', `${dirs.length} run folders need --out FILE (a page that compares them); give one folder to rewrite its own ${RUN_FILES.report}`);
  }
  const out = options.out ?? path.join(dirs[0], RUN_FILES.report);
  const html = await runReportHtml(dirs.map((dir) => readReportRun(dir)));
  try {
    writeFileSync(out, html);
  } catch (error) {
    throw new LpcError('LPC_NOT_FOUND', `could not write ${out}: ${(error as Error).message}; choose an --out in a folder that exists and is writable`, { cause: error });
  }
  return out;
}

/** Adds the report subcommand to the program. */
export function register(program: Command): void {
  program
    .command('report')
    .usage('DIR [DIR ...] [--out FILE]')
    .description(`rewrite a run's ${RUN_FILES.report} from its folder, or compare several runs on the same axes in one page`)
    .argument('<dirs...>', 'run folders written by langevin-pc train')
    .option('--out <file>', `the page to write (default DIR/${RUN_FILES.report}; required with several folders)`)
    .action(async (dirs: string[], options: ReportCliOptions) => {
      process.stdout.write(`wrote ${await runReport(dirs, options)}\n`);
    });
}
