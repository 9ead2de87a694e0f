/**
 * Option parsers shared by the `hai` commands: a bad value is named with its option (`--batch must be a positive
 * integer, got '0'`) before any work starts.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { InvalidArgumentError } from 'commander';

export const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
  return n;
};
export const intList = (what: string) => (v: string) => v.split(',').map((s) => positiveInt(what)(s.trim()));
