export function describe<T extends object>(value: T): string {
  return JSON.stringify(value);
}
