// The Jaring under test: `jaring dev` on a loopback port with a fresh data
// directory (its own PostgreSQL cluster and demo regency), tokens minted by
// `jaring token`, and a GraphQL client that talks to it directly.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// How long `jaring dev` may take to initialise its cluster, migrate, seed
// and listen; on this machine it takes a few seconds.
const startTimeout = 60_000;
// How long it may take to finish requests and stop its cluster on SIGTERM.
const stopTimeout = 30_000;

// startJaring starts `bin dev` with args, and returns once it listens:
// { url, dataDir, token(org, role, region), query(token, query, variables), stop() }.
// stop() sends SIGTERM, waits for it to exit (SIGKILL after stopTimeout) and
// removes the data directory; it is safe to call more than once, and the
// caller must call it even when startJaring throws midway (it then cleans up
// itself before throwing).
export async function startJaring(bin, args = []) {
  if (!bin) {
    throw new Error('JARING_BIN is not set: run `make test-e2e`, which builds jaring and sets it');
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'jaring-e2e-'));
  // The cluster runs as the unprivileged postgres user, which must be able
  // to traverse the folder when the test runs as root.
  await chmod(dataDir, 0o755);

  const child = spawn(bin, ['dev', '--addr', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => { stderr += s; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Should the test process end without stop() (killed, or a crash), Jaring
  // is still told to stop, and stops its cluster itself.
  const orphaned = () => child.kill('SIGTERM');
  process.once('exit', orphaned);
  let stopped = false;

  async function stop() {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', orphaned);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeout);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  }

  let addr;
  try {
    addr = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`jaring dev did not listen within ${startTimeout / 1000} s`)), startTimeout);
      child.stdout.on('data', (s) => {
        stdout += s;
        const m = /Jaring is listening on http:\/\/(\S+?)\//.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`jaring dev exited (code ${code}, signal ${signal}) before it listened`));
      });
    });
  } catch (err) {
    await stop();
    err.message += `\n--- stdout\n${stdout}\n--- stderr (end)\n${stderr.slice(-4000)}`;
    throw err;
  }
  // Keep draining its output, so that it never blocks on a full pipe.
  child.stdout.resume();

  const url = `http://${addr}/graphql`;
  return {
    url,
    dataDir,
    stop,
    logs: () => stderr,
    // token mints a token for org and role with `jaring token`.
    async token(org, role, region) {
      const a = ['token', '--data-dir', dataDir, '--org', org, '--role', role];
      if (region) a.push('--region', region);
      const { stdout: out } = await run(bin, a);
      return out.trim();
    },
    // query sends a GraphQL request straight to Jaring and returns the
    // whole response ({ data, errors }).
    query: (token, query, variables) => graphql(url, { token, purpose: purpose }, query, variables),
  };
}

// purpose is the X-Purpose every request of the test gives.
export const purpose = 'uji end-to-end federasi';

// graphql POSTs query to url with the Authorization and X-Purpose headers of
// who ({ token, purpose }; either may be absent) and returns the parsed body.
export async function graphql(url, who, query, variables) {
  const headers = { 'Content-Type': 'application/json' };
  if (who.token) headers.Authorization = `Bearer ${who.token}`;
  if (who.purpose) headers['X-Purpose'] = who.purpose;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} answered HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
  }
}
