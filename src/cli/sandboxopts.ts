/**
 * `hai grade`'s sandbox options (src/grade/sandbox.ts): `--sandbox` (fail without bubblewrap), `--no-sandbox`, and
 * the limits. Kept out of cli.ts so the grade command gains them with two lines.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import { Command } from 'commander';
import type { SandboxConfig } from '../grade/sandbox';
import { positiveInt } from './args';

/** Adds the sandbox options to a command. */
export function addSandboxOptions(cmd: Command): Command {
  return cmd
    .option(
      '--sandbox',
      'run each kernel in the bubblewrap sandbox, and fail if it cannot run ' +
        '(default: sandboxed where bubblewrap works)',
    )
    .option('--no-sandbox', 'run the kernels as you, unsandboxed (says so loudly in the terminal and the report)')
    .option(
      '--cpu-s <s>',
      'sandbox: CPU seconds per process (default: the total time limit x cores)',
      positiveInt('--cpu-s'),
    )
    .option(
      '--memory-mb <mb>',
      'sandbox: private memory per process, MB (RLIMIT_DATA; default 8192)',
      positiveInt('--memory-mb'),
    )
    .option(
      '--address-space-mb <mb>',
      'sandbox: address space per process, MB (RLIMIT_AS; default none: below ~16 GiB the wasm backend cannot start)',
      positiveInt('--address-space-mb'),
    )
    .option('--max-procs <n>', 'sandbox: processes and threads per sandbox (default 256)', positiveInt('--max-procs'));
}

/** The options as `GradeConfig.sandbox`. */
export function sandboxFromOptions(o: {
  sandbox?: boolean;
  cpuS?: number;
  memoryMb?: number;
  addressSpaceMb?: number;
  maxProcs?: number;
}): Partial<SandboxConfig> {
  return {
    mode: o.sandbox === true ? 'on' : o.sandbox === false ? 'off' : 'auto',
    cpuS: o.cpuS,
    memoryMb: o.memoryMb,
    addressSpaceMb: o.addressSpaceMb,
    maxProcs: o.maxProcs,
  };
}
