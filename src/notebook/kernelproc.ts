/**
 * Starting a Jupyter kernel process (src/notebook/jupyter.ts talks to it): the connection file with its ports or
 * unix sockets and its HMAC key, and the process, started directly or through a launcher (the grader's sandbox).
 * Also the shapes of what a cell's execution returns.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';

export interface CellOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  outputs: CellOutput[];
  executionCount: number | null;
  /** Output characters left out by `maxOutputChars` (0 when nothing was cut). */
  droppedChars?: number;
  /** The reply came but the IOPub `idle` did not: the kernel dropped messages, so output may be missing. */
  missedIdle?: boolean;
}
export interface ExecuteOptions {
  /** Keep at most this many characters of a cell's output (0 = all): the head, a note, and the last lines. */
  maxOutputChars?: number;
  /** How long to wait for IOPub `idle` after the reply before giving up on it (ms). */
  idleGraceMs?: number;
}

/**
 * How the kernel process is started: directly (the default), or wrapped by a launcher (the grader's sandbox,
 * src/grade/sandbox.ts, runs it inside bubblewrap). A wrapped kernel has no network, so it talks over Jupyter's
 * `ipc` transport: unix sockets `<ipcBase>:1` … `<ipcBase>:5` (tslab binds `transport://ip:port`).
 */
export interface KernelLauncher {
  /** The command that runs `argv` (node, tslab, `kernel`, …) and the environment it gets. */
  command(argv: string[], env: NodeJS.ProcessEnv): { file: string; args: string[]; env: NodeJS.ProcessEnv };
  /** Use the `ipc` transport with sockets at this path prefix (the same path on both sides). */
  ipcBase?: string;
  /** The kernel's own pid, for an interrupt (SIGINT): a wrapper does not pass signals on. */
  kernelPid?(wrapperPid: number): number | null;
  /** Words for the wrapper's exit (a wrapper reports a signal as exit code 128 + n). */
  describeExit?(code: number | null, signal: string | null): string;
  /** Called after the wrapper has exited, e.g. to wait until nothing it started is left. */
  closed?(): Promise<void>;
}

export interface KernelStartOptions {
  cwd?: string;
  js?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  launcher?: KernelLauncher;
  connDir?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Writes the connection file and starts `tslab kernel` with it (the caller connects and waits for it). */
export async function launchKernel(opts: KernelStartOptions) {
  const key = crypto.randomBytes(16).toString('hex');
  const ipc = opts.launcher?.ipcBase;
  // A unix socket's path is limited to 107 bytes; tslab appends ":N".
  if (ipc && Buffer.byteLength(ipc) > 100)
    throw new Error(`${ipc}: too long for a unix socket path (at most 100 bytes here)`);
  const ports = ipc ? [1, 2, 3, 4, 5] : await Promise.all([0, 1, 2, 3, 4].map(freePort));
  const conn = {
    transport: ipc ? 'ipc' : 'tcp',
    ip: ipc ?? '127.0.0.1',
    shell_port: ports[0],
    iopub_port: ports[1],
    stdin_port: ports[2],
    control_port: ports[3],
    hb_port: ports[4],
    key,
    signature_scheme: 'hmac-sha256',
    kernel_name: 'tslab',
  };
  // A wrapped kernel must be able to read the connection file: the launcher names a folder it can see.
  const connFile = path.join(fs.mkdtempSync(path.join(opts.connDir ?? os.tmpdir(), 'hai-kernel-')), 'connection.json');
  fs.writeFileSync(connFile, JSON.stringify(conn));
  // mkdtemp's 0700 would lock out a sandbox running as another uid
  if (opts.connDir) fs.chmodSync(path.dirname(connFile), 0o755);
  const tslab = require.resolve('tslab/bin/tslab');
  const argv = [process.execPath, tslab, 'kernel', '--config-path', connFile, ...(opts.js ? ['--js'] : [])];
  const cmd = opts.launcher
    ? opts.launcher.command(argv, opts.env ?? process.env)
    : { file: argv[0], args: argv.slice(1), env: opts.env ?? process.env };
  const proc = spawn(cmd.file, cmd.args, {
    cwd: opts.cwd ?? process.cwd(),
    env: cmd.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { key, ipc, conn, connFile, proc: proc as ChildProcess };
}
