/**
 * How the layer builds put a folder in place during synthesis: fill a scratch folder beside it,
 * then rename it over the old one — unless an up-to-date copy got there first (a parallel synth,
 * e.g. the infra tests). A half-copied folder is never packaged.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function replaceFolder(root: string, directory: string, fill: (scratch: string) => void, upToDate: () => boolean): void {
  mkdirSync(root, { recursive: true });
  const scratch = mkdtempSync(join(root, '.build-'));
  try {
    fill(scratch);
    if (upToDate()) return;
    rmSync(directory, { recursive: true, force: true });
    try {
      renameSync(scratch, directory);
    } catch (error) {
      if (!upToDate()) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
