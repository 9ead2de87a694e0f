/**
 * The grader's sandbox: each submission's kernel runs inside bubblewrap (`bwrap`, Debian/Ubuntu `bubblewrap`, the
 * tool Flatpak uses; no daemon). What a kernel inside gets:
 * - no network (its own network namespace: only a loopback of its own), so it talks to the grader over Jupyter's
 *   `ipc` transport, unix sockets in a folder of its own;
 * - its own PID namespace: when the kernel is shut down, everything it started dies with it (`--die-with-parent`);
 * - a file system of: the system (`/usr`, `/etc`) and the kit (`dist`, `node_modules`, `data`) read-only, the
 *   submission's temporary folder read-write, empty size-capped tmpfs for `/tmp` and `$HOME`; nothing else (no
 *   instructor home, no other submissions, no SSH keys); the environment is an allow-list, not the grader's;
 * - limits per process (`prlimit`): CPU seconds, memory (RLIMIT_DATA), optionally address space, processes and
 *   threads (RLIMIT_NPROC, counted per sandbox: its own user namespace), file size.
 * Run as root, bubblewrap cannot drop to another uid by itself, and root is exempt from RLIMIT_NPROC: the kernel then
 * runs as `uid` (default 65534, nobody) in a user namespace of its own (`setpriv`, `unshare --user`).
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { KernelLauncher } from '../notebook/jupyter';
import { describeKernelExit, findProcs } from './sandboxinfo';

export interface SandboxConfig {
  /** 'auto': sandboxed where bubblewrap works, else unsandboxed with a loud warning; 'on': fail without it; 'off'. */
  mode: 'auto' | 'on' | 'off';
  /** The bubblewrap binary: a path, or a name looked up on PATH (default: $HAI_BWRAP, else `bwrap`). */
  bwrap: string;
  /** CPU seconds per process (RLIMIT_CPU; SIGXCPU, then SIGKILL 5 s later); 0 = none. */
  cpuS: number;
  /** Private writable memory per process, MB (RLIMIT_DATA: V8's heap, WebAssembly memory, buffers); 0 = none. */
  memoryMb: number;
  /**
   * Address space per process, MB (RLIMIT_AS); 0 = none, the default: V8 reserves about 10 GiB of address space for
   * each WebAssembly memory, so below ~16 GiB the wasm backend fails to start and tfjs silently falls back to cpu.
   */
  addressSpaceMb: number;
  /** Processes and threads in the sandbox (RLIMIT_NPROC; Node itself runs about a dozen threads). */
  maxProcs: number;
  /** Largest file a process may write, MB (RLIMIT_FSIZE; SIGXFSZ). */
  fileMb: number;
  /** Size of the `/tmp` and `$HOME` tmpfs each, MB (they live in memory). */
  tmpMb: number;
  /** The uid (and gid) the kernel runs as when the grader runs as root. */
  uid: number;
  /**
   * More host paths the kernel may read (e.g. a model cache); the Hugging Face and stand-in caches are added when they
   * exist.
   */
  readOnly: string[];
}
export const sandboxDefaults = (o: Partial<SandboxConfig> = {}): SandboxConfig => ({
  mode: 'auto',
  bwrap: process.env.HAI_BWRAP || 'bwrap',
  cpuS: 0,
  memoryMb: 8192,
  addressSpaceMb: 0,
  maxProcs: 256,
  fileMb: 2048,
  tmpMb: 512,
  uid: 65534,
  readOnly: [],
  ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
});

/** Whether the sandbox can run here, and if not, exactly why and how to get it. */
export interface SandboxStatus {
  available: boolean;
  bwrap: string | null;
  asRoot: boolean;
  reason: string;
  how?: string;
}

const HOW_INSTALL =
  'install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`; ' +
  'Arch: `sudo pacman -S bubblewrap`); on macOS or Windows grade inside a Linux VM or container';
const HOW_USERNS =
  'allow unprivileged user namespaces (`sudo sysctl -w kernel.unprivileged_userns_clone=1` or ' +
  '`user.max_user_namespaces=15000`; Ubuntu 24.04+: `kernel.apparmor_restrict_unprivileged_userns=0` ' +
  'or the bwrap AppArmor profile), ' +
  'or in Docker run with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` (or `--privileged`)';

const asRoot = () => process.getuid?.() === 0;

function which(name: string, env: NodeJS.ProcessEnv): string | null {
  if (name.includes('/')) return fs.existsSync(name) ? path.resolve(name) : null;
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** bwrap's namespace options; as root no user namespace here (see the header), the kernel enters its own later. */
export function namespaceArgs(root: boolean): string[] {
  return [
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    ...(root ? [] : ['--unshare-user', '--disable-userns']),
  ];
}

/** The chain between bwrap and the kernel: the uid switch (as root) and the limits. */
export function limitArgs(c: SandboxConfig, root: boolean): string[] {
  const mb = (n: number) => String(Math.round(n * 2 ** 20));
  const lim = [
    `--nproc=${c.maxProcs}`,
    `--fsize=${mb(c.fileMb)}`,
    ...(c.cpuS > 0 ? [`--cpu=${Math.ceil(c.cpuS)}:${Math.ceil(c.cpuS) + 5}`] : []),
    ...(c.memoryMb > 0 ? [`--data=${mb(c.memoryMb)}`] : []),
    ...(c.addressSpaceMb > 0 ? [`--as=${mb(c.addressSpaceMb)}`] : []),
  ];
  const drop = root
    ? [
        'setpriv',
        `--reuid=${c.uid}`,
        `--regid=${c.uid}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--',
        'unshare',
        '--user',
        '--',
      ]
    : [];
  return [...drop, 'prlimit', ...lim, '--'];
}

const probes = new Map<string, SandboxStatus>();

/** Probes bubblewrap once per binary: it must exist and start a sandbox with the options the kernels get. */
export function sandboxStatus(cfg: Partial<SandboxConfig> = {}, env: NodeJS.ProcessEnv = process.env): SandboxStatus {
  const c = sandboxDefaults(cfg),
    root = asRoot();
  const key = `${c.bwrap}|${root}`;
  if (probes.has(key)) return probes.get(key)!;
  let s: SandboxStatus;
  const bwrap = which(c.bwrap, env);
  if (process.platform !== 'linux')
    s = {
      available: false,
      bwrap: null,
      asRoot: root,
      reason: `bubblewrap needs Linux namespaces; this is ${process.platform}`,
      how: HOW_INSTALL,
    };
  else if (!bwrap)
    s = {
      available: false,
      bwrap: null,
      asRoot: root,
      reason: `bubblewrap is not installed: no ${c.bwrap.includes('/') ? c.bwrap : `\`${c.bwrap}\` on PATH`}`,
      how: HOW_INSTALL,
    };
  else {
    const tools = ['prlimit', ...(root ? ['setpriv', 'unshare'] : [])].filter((t) => !which(t, env));
    if (tools.length)
      s = {
        available: false,
        bwrap,
        asRoot: root,
        reason: `${tools.join(', ')} not found (util-linux)`,
        how: 'install util-linux',
      };
    else {
      const args = [
        ...namespaceArgs(root),
        '--ro-bind',
        '/',
        '/',
        '--proc',
        '/proc',
        '--dev',
        '/dev',
        '--size',
        String(2 ** 20),
        '--tmpfs',
        '/tmp',
        '--chmod',
        '1777',
        '/tmp',
        '--',
        ...limitArgs({ ...c, cpuS: 5 }, root),
        'true',
      ];
      const r = spawnSync(bwrap, args, { encoding: 'utf8', timeout: 20000 });
      const err = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-2).join(' ');
      s =
        r.status === 0
          ? {
              available: true,
              bwrap,
              asRoot: root,
              reason: `${bwrap} works${root ? ` (as root: kernels run as uid ${c.uid})` : ''}`,
            }
          : {
              available: false,
              bwrap,
              asRoot: root,
              reason: `${bwrap} cannot start a sandbox here: ${err || `exit code ${r.status}`}`,
              how: HOW_USERNS,
            };
    }
  }
  probes.set(key, s);
  return s;
}
