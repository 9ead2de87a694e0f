/**
 * A minimal Jupyter kernel client over ZeroMQ (protocol 5.3), so notebooks run headless without Python.
 *
 * It starts a tslab kernel with a fresh connection file, sends `execute_request`s on the shell channel and
 * collects what the cell printed from IOPub (stream, display_data, execute_result, error). A cell is done
 * when both its `execute_reply` and its IOPub `status: idle` have arrived.
 *
 * Introduced in notebooks/00_setup.ipynb (a fresh kernel imports the library).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { CellOutput, ExecuteOptions, ExecuteResult, KernelLauncher, KernelStartOptions } from './kernelproc';
import { launchKernel } from './kernelproc';
import type * as zmq from 'zeromq';

export type { CellOutput, ExecuteOptions, ExecuteResult, KernelLauncher, KernelStartOptions } from './kernelproc';
// Loaded when a kernel is started, not when the kit is: zeromq is a native addon, and code that only uses the kit's
// functions (an exercise's process, src/grade/exhost.ts, runs where addons are not allowed) never starts a kernel.
const zeromq = (): typeof zmq => require('zeromq');

interface Msg {
  header: { msg_id: string; msg_type: string };
  parent_header: { msg_id?: string };
  content: Record<string, any>;
}

const DELIM = '<IDS|MSG>';

export class KernelClient {
  private shell = new (zeromq().Dealer)();
  private iopub = new (zeromq().Subscriber)();
  private session = crypto.randomUUID();
  private pending = new Map<string, (m: Msg) => void>();
  private failures = new Map<string, (e: Error) => void>();
  private iopubHandlers = new Map<string, (m: Msg) => void>();
  private closed = false;
  /** Everything the kernel wrote to stderr: tslab reports compile errors only there. */
  stderr = '';

  private constructor(
    private key: string,
    private proc: ChildProcess,
    private connFile: string,
    private launcher?: KernelLauncher,
  ) {}

  /** Whether the kernel process is still running. */
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts `tslab kernel` (TypeScript) in `cwd` and waits until it answers `kernel_info_request`. */
  static async start(opts: KernelStartOptions = {}): Promise<KernelClient> {
    const { key, ipc, conn, connFile, proc } = await launchKernel(opts);
    const client = new KernelClient(key, proc, connFile, opts.launcher);
    // Only the tail is kept: a notebook that floods stderr must not fill this process's memory.
    proc.stderr!.on('data', (d) => {
      client.stderr += d;
      if (client.stderr.length > 1 << 20) client.stderr = client.stderr.slice(-(1 << 19));
    });
    // A kernel that dies (crash, process.exit in a cell) must fail the cell, not leave it waiting forever.
    proc.on('exit', (code, signal) => {
      const how = opts.launcher?.describeExit?.(code, signal) ?? signal ?? `code ${code}`;
      for (const fail of [...client.failures.values()])
        fail(new Error(`kernel exited (${how}) while a request was running`));
    });
    proc.stdout!.on('data', () => {});
    // zeromq retries a connection until the kernel has bound its socket, for ipc as for tcp.
    const addr = (port: number) => (ipc ? `ipc://${ipc}:${port}` : `tcp://127.0.0.1:${port}`);
    client.shell.connect(addr(conn.shell_port));
    client.iopub.connect(addr(conn.iopub_port));
    client.iopub.subscribe();
    void client.readLoop(client.shell, (m) => client.pending.get(m.parent_header.msg_id ?? '')?.(m));
    void client.readLoop(client.iopub, (m) => client.iopubHandlers.get(m.parent_header.msg_id ?? '')?.(m));
    // IOPub is PUB/SUB: messages sent before the subscription is live are lost, so retry kernel_info until
    // both the reply and its IOPub status arrive.
    const deadline = Date.now() + (opts.timeoutMs ?? 60000);
    while (Date.now() < deadline) {
      if (proc.exitCode !== null)
        throw new Error(`tslab kernel exited with code ${proc.exitCode}: ${client.stderr.slice(-2000)}`);
      const ok = await client.request('kernel_info_request', {}, 1000).then(
        () => true,
        () => false,
      );
      if (ok) return client;
    }
    await client.close();
    throw new Error(`tslab kernel did not answer within ${opts.timeoutMs ?? 60000} ms: ${client.stderr.slice(-2000)}`);
  }

  private sign(parts: string[]): string {
    const h = crypto.createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  private async readLoop(sock: zmq.Dealer | zmq.Subscriber, on: (m: Msg) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        const strs = frames.map((f) => f.toString('utf8'));
        const i = strs.indexOf(DELIM);
        if (i < 0) continue;
        const [sig, header, parent, metadata, content] = strs.slice(i + 1, i + 6);
        if (sig !== this.sign([header, parent, metadata, content])) continue; // not from our kernel
        on({ header: JSON.parse(header), parent_header: JSON.parse(parent), content: JSON.parse(content) });
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  /**
   * Sends a shell request; resolves with the reply when it and the matching IOPub idle have both arrived, or
   * `idleGraceMs` after the reply when the idle never comes: tslab sends IOPub without awaiting zeromq 6's
   * `send`, which refuses (EBUSY) once a burst of a few hundred messages outruns its I/O thread, so a cell
   * that prints many lines loses some of them, sometimes the idle too. The shell reply is not lost.
   */
  private request(
    msgType: string,
    content: object,
    timeoutMs: number,
    onIopub?: (m: Msg) => void,
    idleGraceMs = 2000,
  ): Promise<Msg & { missedIdle?: boolean }> {
    const msgId = crypto.randomUUID();
    const header = JSON.stringify({
      msg_id: msgId,
      msg_type: msgType,
      session: this.session,
      username: 'hai',
      date: new Date().toISOString(),
      version: '5.3',
    });
    const parts = [header, '{}', '{}', JSON.stringify(content)];
    return new Promise<Msg & { missedIdle?: boolean }>((resolve, reject) => {
      let reply: Msg | null = null;
      let idle = false;
      let grace: NodeJS.Timeout | null = null;
      const done = () => {
        if (reply && idle) {
          cleanup();
          resolve(reply);
        }
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              cleanup();
              reject(new Error(`${msgType} timed out after ${timeoutMs} ms`));
            }, timeoutMs)
          : null;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        if (grace) clearTimeout(grace);
        this.pending.delete(msgId);
        this.iopubHandlers.delete(msgId);
        this.failures.delete(msgId);
      };
      this.failures.set(msgId, (e) => {
        cleanup();
        reject(e);
      });
      this.pending.set(msgId, (m) => {
        reply = m;
        done();
        if (!idle)
          grace = setTimeout(() => {
            cleanup();
            resolve({ ...m, missedIdle: true });
          }, idleGraceMs);
      });
      this.iopubHandlers.set(msgId, (m) => {
        if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') {
          idle = true;
          done();
        } else onIopub?.(m);
      });
      this.shell.send([DELIM, this.sign(parts), ...parts]).catch((e) => {
        cleanup();
        reject(e);
      });
    });
  }

  /**
   * Runs one cell. `timeoutMs` 0 waits forever. The kernel keeps its state between calls, as in Jupyter.
   * With `maxOutputChars`, output past the limit is counted, not kept, except the last few thousand characters
   * of each stream (where a training loop prints its final line); a note says how much was left out.
   */
  async execute(code: string, timeoutMs = 0, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const outputs: CellOutput[] = [];
    const cap = opts.maxOutputChars ?? 0,
      tailMax = Math.min(8000, Math.ceil(cap / 4));
    let kept = 0,
      dropped = 0;
    const tails: Record<string, string> = {};
    const push = (o: CellOutput, size: number) => {
      if (!cap || kept + size <= cap) {
        kept += size;
        outputs.push(o);
      } else dropped += size;
    };
    const reply = await this.request(
      'execute_request',
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      timeoutMs,
      (m) => {
        const c = m.content;
        switch (m.header.msg_type) {
          case 'stream': {
            let text = String(c.text ?? '');
            if (cap && kept + text.length > cap) {
              const room = Math.max(0, cap - kept),
                over = text.slice(room);
              dropped += over.length;
              tails[c.name] = ((tails[c.name] ?? '') + over).slice(-tailMax);
              text = text.slice(0, room);
              if (!text) break;
            }
            kept += text.length;
            const last = outputs[outputs.length - 1];
            if (last?.output_type === 'stream' && last.name === c.name) last.text += text;
            else outputs.push({ output_type: 'stream', name: c.name, text });
            break;
          }
          case 'display_data':
          case 'execute_result':
            push({ output_type: m.header.msg_type, data: c.data }, JSON.stringify(c.data ?? {}).length);
            break;
          case 'error':
            outputs.push({ output_type: 'error', ename: c.ename, evalue: c.evalue, traceback: c.traceback });
            break;
        }
      },
      opts.idleGraceMs,
    );
    if (dropped) {
      // Each tail starts at a line boundary where there is one, so a kept line is whole.
      const ends = Object.entries(tails).map(([name, tail]) => {
        const nl = tail.indexOf('\n');
        return [name, nl >= 0 && nl < tail.length - 1 ? tail.slice(nl + 1) : tail] as const;
      });
      dropped -= ends.reduce((a, [, t]) => a + t.length, 0);
      const note = `[output truncated: ${dropped} characters left out (limit ${cap} per cell)`;
      for (const [name, tail] of ends)
        outputs.push({
          output_type: 'stream',
          name,
          text: `\n${note}; the last ${tail.length} of ${name} follow]\n${tail}`,
        });
      if (!ends.length) outputs.push({ output_type: 'stream', name: 'stderr', text: `\n${note}]\n` });
    }
    return {
      status: reply.content.status,
      outputs,
      executionCount: reply.content.execution_count ?? null,
      ...(dropped ? { droppedChars: dropped } : {}),
      ...(reply.missedIdle ? { missedIdle: true } : {}),
    };
  }

  /** Interrupts the running cell, as Jupyter's interrupt button does for tslab (SIGINT). */
  interrupt(): void {
    if (!this.alive) return;
    if (!this.launcher?.kernelPid) {
      this.proc.kill('SIGINT');
      return;
    }
    const pid = this.launcher.kernelPid(this.proc.pid!);
    if (pid)
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        /* it has just exited */
      }
  }

  /** Stops the kernel process and closes the sockets. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.alive) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (this.alive) this.proc.kill('SIGKILL');
    }
    this.shell.close();
    this.iopub.close();
    await this.launcher?.closed?.();
    fs.rmSync(path.dirname(this.connFile), { recursive: true, force: true });
  }
}
