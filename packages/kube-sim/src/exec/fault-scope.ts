import type { Faults } from '../faults.js';

/** The faults that apply to an exec into `pod`: all of them when `faults.pod` is unset or matches, none otherwise. */
export function faultsFor(faults: Faults, pod: string): Faults {
  return faults.pod === undefined || faults.pod === pod ? faults : {};
}
