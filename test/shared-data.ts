import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { beforeEach, TestRunner } from 'vitest';

/** The checkout's root, from test/ or from its compiled copy in dist/test/ (benches run that). */
const repoRoot = resolve(
  import.meta.dirname,
  basename(resolve(import.meta.dirname, '..')) === 'dist' ? '../..' : '..',
);

/** Root of the real data set (CI has it at ../shared/data beside the checkout). */
export const sharedDataRoot = resolve(
  process.env.GENOFLOW_SHARED_DATA ?? resolve(repoRoot, '../shared/data'),
);

/** Whether the data set is here at all. Without it, data-backed tests are skipped, not failed. */
export const hasSharedData = existsSync(sharedDataRoot);

/** Why a data-backed test was skipped, and how to run it. */
export const missingDataNote = `shared data not found at ${sharedDataRoot}: set GENOFLOW_SHARED_DATA, or put the data set at ../shared/data beside the checkout`;

/** CI has the data: there a data-backed test that would be skipped fails instead (`.ci/run` sets it). */
const dataRequired = process.env.GENOFLOW_REQUIRE_SHARED_DATA === '1';

/**
 * Skips what needs the data set: the running test, or, when called while tests are being
 * collected (at a file's or a describe's top level), every test of that suite.
 */
function skipWithoutData(): void {
  const test = TestRunner.getCurrentTest();
  if (test) test.context.skip(missingDataNote);
  else beforeEach((context) => context.skip(missingDataNote));
}

/**
 * Absolute path of a file in the shared data set. A file missing from a data set that is
 * there fails loudly; a data set that is not there at all skips the tests that need it.
 */
export function sharedData(relative: string): string {
  const path = resolve(sharedDataRoot, relative);
  if (existsSync(path)) return path;
  if (hasSharedData || dataRequired) {
    throw new Error(
      `shared data file missing: ${path} (${hasSharedData ? 'the data set is incomplete' : missingDataNote})`,
    );
  }
  skipWithoutData();
  return path;
}

/**
 * The files under a folder of the data set (recursively, as absolute paths) that `keep`
 * accepts. Without the data set, one placeholder path, so that tests made per file are
 * still declared (and skipped).
 */
export function sharedDataFiles(relative: string, keep: (path: string) => boolean): string[] {
  const dir = sharedData(relative);
  if (!existsSync(dir)) return [join(dir, '(missing)')];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter(keep)
    .sort();
}

/**
 * What a file or suite reads from the data set while its tests are collected: `read()` where
 * the data set is here, else `absent` (and the tests that would use it are skipped).
 */
export function ifSharedData<T>(read: () => T, absent: T): T {
  if (hasSharedData || dataRequired) return read();
  skipWithoutData();
  return absent;
}
