/**
 * One prepared sandbox (src/grade/sandbox.ts decides whether bubblewrap works and with which limits): the bwrap
 * command line that shows a kernel the system read-only, its folder read-write, the kit read-only over its copies,
 * and a short socket folder; and the launcher that starts the kernel in it.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KernelLauncher } from '../notebook/jupyter';
import { describeKernelExit, findProcs } from './sandboxinfo';
import { limitArgs, namespaceArgs, SandboxConfig, sandboxDefaults, SandboxStatus } from './sandbox';

/**
 * What one sandboxed kernel sees: where it starts, what it may write, what it may read, and read-only copies laid over
 * writable folders.
 */
export interface BoxSpec {
  cwd: string;
  /** Read-write (the submission's folder). */
  rw: string[];
  /** Read-only, at the same path. */
  ro: string[];
  /** `[source, target]`: the source read-only at the target (e.g. the kit's dist over the working folder's copy). */
  over: [string, string][];
  /** The grader's environment: only an allow-list of it goes in. */
  env: NodeJS.ProcessEnv;
}
/** A prepared sandbox for one kernel: pass `launcher`, `env` and `connDir` to the kernel; `dispose` when done. */
export interface Box {
  launcher: KernelLauncher;
  env: NodeJS.ProcessEnv;
  connDir: string;
  ipcDir: string;
  dispose(): void;
}

const ENV_KEEP = /^(PATH|LANG|LANGUAGE|LC_\w+|TZ|TERM|HAI_\w+)$/;
const exists = (p: string) => {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Makes a folder (and what is in it) the sandbox uid's, so a kernel run as that uid can write there. */
function chownTree(dir: string, uid: number): void {
  fs.lchownSync(dir, uid, uid);
  if (!fs.lstatSync(dir).isDirectory()) return;
  for (const e of fs.readdirSync(dir)) chownTree(path.join(dir, e), uid);
}

/** Prepares one sandbox (a short socket folder; ownership when root) and the launcher that starts the kernel in it. */
export function makeBox(
  spec: BoxSpec,
  cfg: Partial<SandboxConfig>,
  status: SandboxStatus,
  extraRo: string[] = [],
): Box {
  if (!status.available)
    throw new Error(`the sandbox is not available: ${status.reason}${status.how ? `; to get it: ${status.how}` : ''}`);
  const c = sandboxDefaults(cfg),
    root = status.asRoot;
  // Unix socket paths are short (107 bytes): a folder of its own under /tmp, not inside the deep working folder.
  const ipcDir = fs.mkdtempSync(path.join(Buffer.byteLength(os.tmpdir()) < 40 ? os.tmpdir() : '/tmp', 'hai-k-'));
  const connDir = path.join(ipcDir, 'conn');
  fs.mkdirSync(connDir);
  if (root) for (const d of [ipcDir, ...spec.rw]) chownTree(d, c.uid);
  const home = spec.env.HOME && path.resolve(spec.env.HOME) !== '/' ? path.resolve(spec.env.HOME) : '/tmp/home';
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(spec.env).filter(([k]) => ENV_KEEP.test(k)));
  Object.assign(env, { HOME: home, TMPDIR: '/tmp', TMP: '/tmp', TEMP: '/tmp', PWD: spec.cwd, HF_HUB_OFFLINE: '1' });
  const ro = [...spec.ro, ...c.readOnly, ...extraRo].filter(exists);
  const args: string[] = [...namespaceArgs(root)];
  // bwrap creates a mount point's missing parents 0700, which a kernel run as another uid cannot pass: make them
  // 0755 first, but only those outside the folders bound from the host (a --dir there would touch the host's).
  const binds: string[] = [],
    made = new Set<string>();
  const inside = (p: string, d: string) => p === d || p.startsWith(d.endsWith('/') ? d : d + '/');
  const mount = (kind: string, src: string | null, dst: string, bind = true, pre: string[] = []) => {
    const parts = dst.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const a = '/' + parts.slice(0, i).join('/');
      if (made.has(a) || binds.some((b) => inside(a, b))) continue;
      args.push('--perms', '0755', '--dir', a);
      made.add(a);
    }
    args.push(...pre, kind, ...(src === null ? [] : [src]), dst);
    made.add(dst);
    if (bind) binds.push(dst);
  };
  // The system, read-only; merged-/usr systems have /bin, /lib… as links into /usr.
  for (const d of ['/usr', '/etc', '/opt']) if (exists(d)) mount('--ro-bind', d, d);
  for (const d of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(d), d);
    else mount('--ro-bind', d, d);
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  for (const t of ['/tmp', home]) {
    mount('--tmpfs', null, t, false, ['--size', String(c.tmpMb * 2 ** 20)]);
    args.push('--chmod', '1777', t);
  }
  const node = fs.realpathSync(process.execPath);
  if (!node.startsWith('/usr/')) mount('--ro-bind', node, process.execPath);
  for (const p of ro) mount('--ro-bind', p, p);
  for (const p of [...spec.rw, ipcDir]) mount('--bind', p, p);
  // A target that is already a link to its source (work/node_modules) needs nothing; bwrap cannot mount on a link.
  const linkTo = (dst: string, src: string) => {
    try {
      return fs.lstatSync(dst).isSymbolicLink() && fs.realpathSync(dst) === fs.realpathSync(src);
    } catch {
      return false;
    }
  };
  for (const [src, dst] of spec.over) if (exists(src) && !linkTo(dst, src)) mount('--ro-bind', src, dst);
  args.push('--remount-ro', '/', '--chdir', spec.cwd);
  const chain = limitArgs(c, root);
  let kernel: number | null = null;
  const launcher: KernelLauncher = {
    ipcBase: path.join(ipcDir, 'k'),
    command: (argv, kernelEnv) => ({
      file: status.bwrap!,
      args: [...args, '--', ...chain, ...argv],
      // runNotebook adds HAI_SMOKE and the heap limit (NODE_OPTIONS) to the allow-listed environment.
      env: {
        ...env,
        ...Object.fromEntries(Object.entries(kernelEnv).filter(([k]) => k === 'NODE_OPTIONS' || k === 'HAI_SMOKE')),
      },
    }),
    // The kernel is the lowest-numbered process running tslab with our connection folder (bwrap's own carry it as an
    // argument, later).
    kernelPid: () =>
      (kernel ??=
        findProcs((argv) => argv[0] === process.execPath && argv.some((a) => a.startsWith(connDir)))[0] ?? null),
    describeExit: (code, signal) => describeKernelExit(code, signal, c),
    // bwrap's PID-1 carries the socket folder in its arguments: once it is gone, the namespace is empty.
    closed: async () => {
      for (let i = 0; i < 50 && findProcs((argv) => argv.includes(ipcDir)).length; i++)
        await new Promise((r) => setTimeout(r, 100));
      for (const pid of findProcs((argv) => argv.includes(ipcDir)))
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    },
  };
  return { launcher, env, connDir, ipcDir, dispose: () => fs.rmSync(ipcDir, { recursive: true, force: true }) };
}
