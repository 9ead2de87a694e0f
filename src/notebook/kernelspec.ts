/**
 * `hai kernel install`: registers this repo's tslab as a Jupyter kernel without Python, by writing the
 * kernelspec (`kernel.json`) where Jupyter, JupyterLab and VS Code look for kernels. The spec runs this
 * checkout's Node and tslab by absolute path, so no global install is needed.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { REPO_ROOT } from '../util/paths';

/** Jupyter's per-user data folder, as `jupyter --data-dir` reports it. */
export function jupyterDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
  home = os.homedir(),
): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'jupyter');
}

export interface KernelSpecConfig {
  name: string;
  displayName: string;
  prefix: string | null;
  force: boolean;
}
export const kernelSpecDefaults = (o: Partial<KernelSpecConfig> = {}): KernelSpecConfig => ({
  name: 'tslab',
  displayName: 'TypeScript (HAI Dialect Lab)',
  prefix: null,
  force: false,
  ...o,
});

/** Writes `<data dir>/kernels/<name>/kernel.json` (or under `<prefix>/share/jupyter`); returns its path. */
export function installKernelSpec(cfg: Partial<KernelSpecConfig> = {}): string {
  const c = kernelSpecDefaults(cfg);
  const base = c.prefix ? path.join(c.prefix, 'share', 'jupyter') : jupyterDataDir();
  const dir = path.join(base, 'kernels', c.name);
  const file = path.join(dir, 'kernel.json');
  if (fs.existsSync(file) && !c.force) {
    throw new Error(
      `${file} exists already (another tslab install?); pass --force to replace it, or --name to install beside it`,
    );
  }
  const spec = {
    argv: [process.execPath, require.resolve('tslab/bin/tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: c.displayName,
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { installed_by: 'hai kernel install', repo: REPO_ROOT },
  };
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(file, JSON.stringify(spec, null, 1) + '\n');
  return file;
}
