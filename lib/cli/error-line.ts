/**
 * How the CLI reports a failure: one line on stderr with a code and what to do, whatever the command and
 * whatever --json says (stdout stays for results). Only --verbose adds the stack trace, for bug reports.
 */
import { CommanderError } from 'commander';
import { LpcError } from '../errors.js';

/** The line (newline included) for `error`, and with `verbose` its stack after it. */
export function errorLine(error: unknown, verbose: boolean): string {
  const [code, message] = codeAndMessage(error);
  const line = `langevin-pc: ${code}: ${message.replace(/\s*\n\s*/g, ' ')}\n`;
  const stack = verbose && error instanceof Error && error.stack !== undefined ? `${error.stack}\n` : '';
  return line + stack;
}

function codeAndMessage(error: unknown): [string, string] {
  if (error instanceof CommanderError) return ['LPC_INVALID_ARGUMENT', `${error.message.replace(/^error: /, '')}; see langevin-pc <command> --help`];
  if (error instanceof LpcError) return [error.code, error.message];
  // Not raised on purpose: a system error keeps its own code (ENOENT, EACCES...), anything else is a bug.
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string') return [code, message];
  return [`LPC_INTERNAL (${error instanceof Error ? error.name : typeof error})`, `${message}; this is a bug in langevin-pc: please report it with the output of --verbose`];
}
