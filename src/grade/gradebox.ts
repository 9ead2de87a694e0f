/**
 * The sandbox in a grading run (hooks for src/grade/grade.ts): whether grading is sandboxed (and the loud line when
 * not), one sandbox per submission kernel, and the checks marked `fresh`, which run after the submission's kernel is
 * gone, in a second, fresh sandboxed kernel that sees the submission's working folder read-only: the checkpoint
 * re-evaluation cannot be fooled by code the notebook left running or by library functions it replaced.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelClient } from '../notebook/jupyter';
import { hubCacheDir } from '../models/hubcache';
import { standinCacheDir } from '../models/standin';
import { ChecksFile, CheckRun, Metrics, runCheckCode } from './gradecheck';
import { SandboxConfig, SandboxStatus, sandboxDefaults, sandboxStatus } from './sandbox';
import { Box, makeBox } from './sandboxbox';
import { blockedNotes } from './sandboxinfo';
import type { GradeCell, SandboxReport } from './reporttypes';

export interface GradingSandbox {
  config: SandboxConfig;
  status: SandboxStatus | null;
  report: SandboxReport;
  warning: string | null;
}

/**
 * Decides once per grading run. 'on' without a working bubblewrap throws (it never falls back); 'auto' without
 * one and 'off' grade unsandboxed, with a warning for the terminal and the report.
 */
export function gradingSandbox(
  cfg: Partial<SandboxConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
  totalS = 3600,
): GradingSandbox {
  const c = sandboxDefaults(cfg);
  if (c.mode === 'off') {
    const reason = 'turned off (--no-sandbox): submissions ran as you, with your files, network and processes';
    return {
      config: c,
      status: null,
      report: { enabled: false, reason },
      warning: `WARNING: grading WITHOUT a sandbox: ${reason}`,
    };
  }
  const status = sandboxStatus(c, env);
  if (!status.available) {
    const why = `${status.reason}${status.how ? `; to get it: ${status.how}` : ''}`;
    if (c.mode === 'on') throw new Error(`--sandbox: ${why}`);
    const reason = `not available: ${why}; submissions ran as you, with your files, network and processes`;
    return {
      config: c,
      status,
      report: { enabled: false, reason },
      warning: `WARNING: grading WITHOUT a sandbox: ${reason}`,
    };
  }
  // The default CPU limit never stops a notebook before the wall clock does, even one that keeps every core busy.
  if (!(c.cpuS > 0)) c.cpuS = Math.max(60, totalS > 0 ? totalS * Math.max(1, os.availableParallelism()) : 0);
  return {
    config: c,
    status,
    warning: null,
    report: {
      enabled: true,
      reason: `bubblewrap: ${status.reason}`,
      limits: {
        cpu_s: c.cpuS,
        memory_mb: c.memoryMb,
        address_space_mb: c.addressSpaceMb,
        max_procs: c.maxProcs,
        file_mb: c.fileMb,
        tmp_mb: c.tmpMb,
      },
    },
  };
}

/** Where the kit is: read-only in every sandbox, and laid over the working folder's copies. */
export interface KitPaths {
  libDir: string;
  dataDir: string;
}

/** Model caches the kernel may read (offline: the sandbox has no network). */
function caches(): { ro: string[]; env: NodeJS.ProcessEnv } {
  const hub = hubCacheDir(),
    standin = standinCacheDir();
  const ro: string[] = [],
    env: NodeJS.ProcessEnv = {};
  if (fs.existsSync(hub)) {
    ro.push(hub);
    env.HF_HUB_CACHE = hub;
  }
  if (fs.existsSync(standin)) {
    ro.push(standin);
    env.HAI_STANDIN_CACHE = standin;
  }
  return { ro, env };
}

/**
 * The sandbox of a submission's kernel: its run folder read-write; the kit, the checks' files and the caches read-only.
 */
export function submissionBox(
  gs: GradingSandbox,
  runDir: string,
  notebook: string,
  kit: KitPaths,
  spec: ChecksFile,
  env: NodeJS.ProcessEnv,
  writable = true,
): Box | null {
  if (!gs.report.enabled) return null;
  const work = path.join(runDir, 'work'),
    tslab = path.dirname(path.dirname(require.resolve('tslab/package.json')));
  const cache = caches();
  const kitRo = [
    path.join(kit.libDir, 'dist'),
    path.join(kit.libDir, 'node_modules'),
    path.join(kit.libDir, 'package.json'),
    kit.dataDir,
    tslab,
  ];
  return makeBox(
    {
      cwd: path.dirname(notebook),
      rw: writable ? [runDir] : [],
      ro: [...kitRo, ...Object.values(spec.files), ...cache.ro, ...(writable ? [] : [work])],
      over: [
        [path.join(kit.libDir, 'dist'), path.join(work, 'dist')],
        [kit.dataDir, path.join(work, 'data')],
        [path.join(kit.libDir, 'package.json'), path.join(work, 'package.json')],
        [path.join(kit.libDir, 'node_modules'), path.join(work, 'node_modules')],
      ],
      env: { ...env, ...cache.env },
    },
    gs.config,
    gs.status!,
  );
}

/** The checks run in the submission's kernel (all but the `fresh` ones). */
export const kernelChecks = (spec: ChecksFile): ChecksFile => ({
  ...spec,
  checks: spec.checks.filter((c) => !c.fresh),
});

/**
 * Runs the `fresh` code checks in a new kernel started in the notebook's folder after the submission's kernel has
 * exited: sandboxed (the working folder read-only) when grading is, else a plain fresh process. Their outcomes
 * join `run`'s.
 */
export async function runFreshChecks(
  run: CheckRun,
  gs: GradingSandbox,
  o: {
    runDir: string;
    notebook: string;
    kit: KitPaths;
    spec: ChecksFile;
    claimed: Metrics;
    env: NodeJS.ProcessEnv;
    maxOutputChars: number;
    plainEnv: NodeJS.ProcessEnv;
  },
): Promise<CheckRun> {
  const fresh = o.spec.checks.filter((c) => c.fresh && c.code);
  if (!fresh.length) return run;
  const outcomes = new Map(run.outcomes),
    cells = [...run.cells];
  let box: Box | null = null,
    kernel: KernelClient | null = null;
  try {
    box = submissionBox(gs, o.runDir, o.notebook, o.kit, o.spec, o.env, false);
    kernel = await KernelClient.start({
      cwd: path.dirname(o.notebook),
      env: box?.env ?? o.plainEnv,
      launcher: box?.launcher,
      connDir: box?.connDir,
      timeoutMs: 60000,
    });
    const r = await runCheckCode(kernel, { ...o.spec, checks: fresh }, o.claimed, o.maxOutputChars);
    for (const [k, v] of r.outcomes) outcomes.set(k, v);
    cells.push(...r.cells);
  } catch (e) {
    for (const c of fresh)
      if (!outcomes.has(c.name))
        outcomes.set(c.name, {
          notRun: `the fresh kernel for the checks did not start: ${(e as Error).message}`,
          values: {},
          pass: null,
          seconds: 0,
        });
  } finally {
    await kernel?.close();
    box?.dispose();
  }
  return { outcomes, cells };
}

/** Notes for the report: which failed cells the sandbox blocked. */
export function sandboxNotes(
  gs: GradingSandbox,
  cells: GradeCell[],
  runDir: string,
  notebook: string,
  kit: KitPaths,
): string[] {
  if (!gs.report.enabled) return [];
  return blockedNotes(cells, {
    cwd: path.dirname(notebook),
    visible: [runDir, kit.libDir, kit.dataDir],
    maxProcs: gs.config.maxProcs,
    memoryMb: gs.config.memoryMb,
  });
}
