import { hasSharedData, missingDataNote } from './shared-data.js';

/** Says once, before any test runs, that the data-backed tests will be skipped and why. */
export default function setup(): void {
  if (!hasSharedData)
    process.stderr.write(`genoflow tests: skipping the data-backed tests: ${missingDataNote}\n`);
}
