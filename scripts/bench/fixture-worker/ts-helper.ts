// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- types for the compiler to strip: what the compile cache saves
export function describe<T extends object>(value: T): string {
  return JSON.stringify(value);
}
