/**
 * The grader's sandbox (src/grade/sandbox.ts): hostile submissions in test/fixtures/grade-hostile, graded with
 * `sandbox: 'on'`, each blocked or recorded; the fresh-kernel checks (test/fixtures/grade-fresh); and what happens
 * where bubblewrap is missing. HOME is a temporary folder with a planted secret, never the real one.
 * Needs bubblewrap (`apt-get install bubblewrap`; .ci/run installs it); without it (or with HAI_TEST_SKIP_SANDBOX=1) the sandboxed runs are skipped with the reason.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GradeReport, SubmissionReport } from '../../src/grade/reporttypes';
import { gradeSubmissions } from '../../src/grade/grade';
import { formatGradeSummary, gradeReportHtml } from '../../src/grade/gradereport';
import { blockedNotes, describeKernelExit, findProcs } from '../../src/grade/sandboxinfo';
import { sandboxStatus } from '../../src/grade/sandbox';
import { gradingSandbox } from '../../src/grade/gradebox';
import { ROOT, hai } from '../helpers';

const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'grade-hostile');
const FRESH = path.join(ROOT, 'test', 'fixtures', 'grade-fresh');
// Skipped, with the reason, where bubblewrap cannot run (a fresh machine without it: `npm ci && npm test` still passes;
// .ci/run installs it, so CI runs them).
const noBox = sandboxStatus();
const skip =
  process.env.HAI_TEST_SKIP_SANDBOX === '1'
    ? 'HAI_TEST_SKIP_SANDBOX=1'
    : noBox.available
      ? false
      : `the sandbox cannot run here: ${noBox.reason}; to get it: ${noBox.how}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-sandbox-test-'));
const home = path.join(tmp, 'home');
const secret = `TOP-SECRET-${crypto.randomBytes(8).toString('hex')}`;
const arrived: string[] = [];
const server = net.createServer((s) => {
  arrived.push('connection');
  s.on('data', (d) => arrived.push(String(d)));
});
const planted = '/tmp/hai-hostile-planted.txt';
let report: GradeReport;
const sub = (name: string): SubmissionReport => report.submissions.find((s) => path.basename(s.file) === name)!;
const outputs = (s: SubmissionReport) =>
  JSON.parse(fs.readFileSync(s.executed!, 'utf8'))
    .cells.filter((c: any) => c.cell_type === 'code')
    .map((c: any) =>
      c.outputs.map((o: any) => (o.text ? [].concat(o.text).join('') : `${o.ename}: ${o.evalue}`)).join(''),
    );
const LIMITS = { cpuS: 10, memoryMb: 1024, maxProcs: 64 };

after(() => {
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
before(async () => {
  if (skip) return;
  const st = sandboxStatus();
  assert.ok(
    st.available,
    `the sandbox cannot run here: ${st.reason}; to get it: ${st.how} (or set HAI_TEST_SKIP_SANDBOX=1)`,
  );
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, 'secret.txt'), secret);
  fs.rmSync(planted, { force: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  report = await gradeSubmissions([HOSTILE], {
    cellTimeoutS: 120,
    totalTimeoutS: 200,
    tmpDir: tmp,
    outDir: path.join(tmp, 'executed'),
    env: { ...process.env, HOME: home, HAI_TEST_PORT: String(port) },
    sandbox: { mode: 'on', ...LIMITS },
  });
});

test('hostile submissions: each is blocked or recorded, with the status it deserves', { skip }, () => {
  assert.deepEqual(
    report.submissions.map((s) => [path.basename(s.file), s.status]),
    [
      ['detached.ipynb', 'ok'],
      ['forks.ipynb', 'error'],
      ['homewrite.ipynb', 'error'],
      ['memory.ipynb', 'error'],
      ['network.ipynb', 'error'],
      ['secret.ipynb', 'error'],
      ['spins.ipynb', 'crashed'],
    ],
  );
  assert.equal(report.sandbox.enabled, true);
  assert.deepEqual(report.sandbox.limits, {
    cpu_s: 10,
    memory_mb: 1024,
    address_space_mb: 0,
    max_procs: 64,
    file_mb: 2048,
    tmp_mb: 512,
  });
});

test('the secret in $HOME is not visible, so it is nowhere in the report or the executed notebook', { skip }, () => {
  const s = sub('secret.ipynb');
  assert.match(outputs(s)[0], /holds: \[\]/); // an empty home folder
  assert.match(s.cells[1].error!, /ENOENT: no such file or directory, open '.*secret\.txt'/);
  assert.ok(
    s.notes.some((n) => /^cell 2: blocked by the sandbox: not visible in the sandbox: /.test(n)),
    s.notes.join('\n'),
  );
  assert.ok(!JSON.stringify(report).includes(secret));
  assert.ok(!fs.readFileSync(s.executed!, 'utf8').includes(secret));
});

test('no connection arrives at the listener on 127.0.0.1', { skip }, () => {
  const s = sub('network.ipynb');
  assert.match(s.cells[0].error!, /ECONNREFUSED 127\.0\.0\.1:\d+/);
  assert.ok(
    s.notes.some((n) => n.startsWith('cell 1: blocked by the sandbox: network: ')),
    s.notes.join('\n'),
  );
  assert.deepEqual(arrived, []);
});

test('writes into $HOME and /tmp land in throwaway tmpfs; the kit is read-only', { skip }, () => {
  const s = sub('homewrite.ipynb');
  assert.equal(s.cells[0].status, 'ok'); // it wrote, inside the sandbox
  assert.deepEqual(fs.readdirSync(home), ['secret.txt']);
  assert.equal(fs.existsSync(planted), false);
  assert.match(s.cells[1].error!, /EROFS: read-only file system, open '\.\.\/dist\/planted\.js'/);
  assert.ok(
    s.notes.some((n) => n.startsWith('cell 2: blocked by the sandbox: read-only file system: ')),
    s.notes.join('\n'),
  );
  assert.equal(fs.existsSync(path.join(ROOT, 'dist', 'planted.js')), false);
});

test('a detached process does not outlive its kernel', { skip }, () => {
  assert.match(outputs(sub('detached.ipynb'))[0], /^started detached sleep, pid \d+/);
  assert.deepEqual(
    findProcs((argv) => argv[0] === 'sleep' && argv[1] === '424242'),
    [],
  );
});

test(
  'the process limit stops a few hundred children; the memory limit stops an allocation; the CPU limit kills a spinning kernel',
  { skip },
  () => {
    const forks = sub('forks.ipynb');
    assert.match(forks.cells[0].error!, /^Error: child \d+: spawn sleep EAGAIN$/);
    assert.ok(Number(/child (\d+)/.exec(forks.cells[0].error!)![1]) < 64);
    assert.ok(
      forks.notes.some((n) =>
        n.startsWith('cell 1: blocked by the sandbox: process limit (64 processes and threads): '),
      ),
      forks.notes.join('\n'),
    );
    // A distinctive argument: any other `sleep 300` on the machine (a shell waiting) would match a plain one.
    assert.deepEqual(
      findProcs((argv) => argv[0] === 'sleep' && argv[1] === '313.37'),
      [],
    );
    const mem = sub('memory.ipynb');
    assert.equal(mem.cells[0].error, 'RangeError: Array buffer allocation failed');
    const mb = Number(/allocated (\d+) MB/.exec(outputs(mem)[0])![1]);
    assert.ok(mb > 0 && mb < 1024, `allocated ${mb} MB`);
    assert.ok(
      mem.notes.some((n) => n.startsWith('cell 1: blocked by the sandbox: memory limit (1024 MB): ')),
      mem.notes.join('\n'),
    );
    const spins = sub('spins.ipynb');
    assert.deepEqual(
      spins.cells.map((c) => c.status),
      ['ok', 'crashed'],
    );
    assert.equal(
      spins.cells[1].error,
      'kernel exited (SIGXCPU, exit code 152: the CPU time limit of 10 s per process was used up) while a request was running',
    );
  },
);

test(
  "fresh checks run in a second sandboxed kernel: the notebook's patches do not reach them, and they cannot write",
  { skip },
  async () => {
    const r = await gradeSubmissions([FRESH], {
      checks: path.join(FRESH, 'checks.json'),
      tmpDir: tmp,
      env: { ...process.env, HOME: home },
      sandbox: { mode: 'on' },
    });
    const s = r.submissions[0];
    assert.equal(s.status, 'ok');
    // The notebook patched JSON.parse: a check in its own kernel reads accuracy 1 from a file that says 0.25.
    assert.equal(s.remeasured.kernel_accuracy, 1);
    assert.equal(s.remeasured.fresh_accuracy, 0.25);
    assert.deepEqual(
      s.checks.map((c) => c.status),
      ['pass', 'pass', 'pass'],
    ); // the last: its write was refused (EROFS)
  },
);

test('where bubblewrap is missing: --sandbox fails with why and how; auto grades unsandboxed and says so loudly', async () => {
  const missing = path.join(tmp, 'no-such-bwrap');
  const cli = hai(['grade', '--sandbox', path.join(HOSTILE, 'spins.ipynb')], { HAI_BWRAP: missing });
  assert.equal(cli.code, 1);
  assert.match(
    cli.stderr,
    new RegExp(
      `hai: error: --sandbox: bubblewrap is not installed: no ${missing}; to get it: install bubblewrap \\(Debian/Ubuntu: \`sudo apt-get install bubblewrap\``,
    ),
  );
  assert.throws(() => gradingSandbox({ mode: 'on', bwrap: missing }), /--sandbox: bubblewrap is not installed/);
  const auto = gradingSandbox({ mode: 'auto', bwrap: missing });
  assert.equal(auto.report.enabled, false);
  assert.match(
    auto.warning!,
    /^WARNING: grading WITHOUT a sandbox: not available: bubblewrap is not installed: .*apt-get install bubblewrap.*; submissions ran as you/,
  );
  assert.match(
    gradingSandbox({ mode: 'off' }).warning!,
    /^WARNING: grading WITHOUT a sandbox: turned off \(--no-sandbox\)/,
  );
  // A bwrap that exists but cannot start a sandbox (as where user namespaces are off) is refused the same way.
  assert.throws(
    () => gradingSandbox({ mode: 'on', bwrap: '/bin/false' }),
    /--sandbox: \/bin\/false cannot start a sandbox here: .*user namespaces/,
  );
  const doc = hai(['doctor'], { HAI_BWRAP: missing });
  assert.match(
    doc.stdout,
    /^sandbox {4}hai grade CANNOT sandbox kernels: bubblewrap is not installed: .*apt-get install bubblewrap/m,
  );
});

test('an unsandboxed run is marked as such in the terminal summary and the HTML page', async () => {
  const dir = path.join(tmp, 'plain');
  fs.mkdirSync(dir);
  const cell = { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['console.log(1);'] };
  fs.writeFileSync(
    path.join(dir, 'a.ipynb'),
    JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
  );
  const lines: string[] = [];
  const r = await gradeSubmissions([dir], { tmpDir: tmp, sandbox: { mode: 'off' }, log: (l) => lines.push(l) });
  assert.equal(r.submissions[0].status, 'ok');
  assert.match(lines[0], /^WARNING: grading WITHOUT a sandbox/);
  assert.match(formatGradeSummary(r), /^NOT SANDBOXED: turned off/);
  assert.match(gradeReportHtml(r), /<p class="error"><b>NOT SANDBOXED<\/b>: turned off/);
});

test('exit codes name the signal and the limit; notes name what was blocked, not ordinary errors', () => {
  const c = { cpuS: 30, fileMb: 100, memoryMb: 512 };
  assert.equal(describeKernelExit(3, null, c), 'code 3');
  assert.equal(
    describeKernelExit(152, null, c),
    'SIGXCPU, exit code 152: the CPU time limit of 30 s per process was used up',
  );
  assert.equal(describeKernelExit(153, null, c), 'SIGXFSZ, exit code 153: a file grew past the size limit of 100 MB');
  assert.match(describeKernelExit(null, 'SIGKILL', c), /^SIGKILL: killed/);
  const cells = [
    {
      index: 1,
      status: 'error' as const,
      seconds: 0,
      error:
        "Error: ../data/rows/no_such_file.csv: cannot read: ENOENT: no such file or directory, open '../data/rows/no_such_file.csv'",
    },
    {
      index: 2,
      status: 'error' as const,
      seconds: 0,
      error: "Error: ENOENT: no such file or directory, open '/home/prof/.ssh/id_rsa'",
    },
    { index: 3, status: 'error' as const, seconds: 0, error: 'Error: connect ECONNREFUSED 127.0.0.1:80' },
    { index: 4, status: 'error' as const, seconds: 0, error: 'TypeError: x is not a function' },
  ];
  assert.deepEqual(
    blockedNotes(cells, { cwd: '/g/001/work/notebooks', visible: ['/g/001'], maxProcs: 10, memoryMb: 512 }),
    [
      "cell 2: blocked by the sandbox: not visible in the sandbox: Error: ENOENT: no such file or directory, open '/home/prof/.ssh/id_rsa'",
      'cell 3: blocked by the sandbox: network: Error: connect ECONNREFUSED 127.0.0.1:80',
    ],
  );
});
