// A throwaway memory cgroup for tests that need a container-like memory limit (root only): cgroup v2
// (memory.max, where the memory controller is enabled) or v1 (memory.limit_in_bytes). A process is
// started inside it by a shell that first moves itself there, then execs the command.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface MemoryCgroup {
  dir: string;
  limitBytes: number;
  spawn(command: string, args: string[], env: Record<string, string>): ChildProcess;
  remove(): void;
}

function limitFile(): { root: string; file: string } | null {
  const v2 = '/sys/fs/cgroup';
  if (existsSync(path.join(v2, 'cgroup.subtree_control')) && readFileSync(path.join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) return { root: v2, file: 'memory.max' };
  if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return { root: '/sys/fs/cgroup/memory', file: 'memory.limit_in_bytes' };
  return null;
}

/** Why no memory cgroup can be made here, or null when one can. */
export function memoryCgroupUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (limitFile() === null) return 'no writable cgroup memory controller (v2 memory.max or v1 memory.limit_in_bytes)';
  return null;
}

let made = 0;

export function makeMemoryCgroup(limitBytes: number): MemoryCgroup {
  const where = limitFile();
  if (where === null) throw new Error('no cgroup memory controller');
  const dir = path.join(where.root, `pocket-id-ldap-sync-test-${process.pid}-${made++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, where.file), String(limitBytes));
  return {
    dir,
    limitBytes,
    spawn: (command, args, env) => spawn('sh', ['-c', `echo $$ > '${dir}/cgroup.procs' && exec "$0" "$@"`, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
    remove: () => rmdirSync(dir),
  };
}
