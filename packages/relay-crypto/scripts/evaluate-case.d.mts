export declare function bodyOf(input: Record<string, unknown>): string | Uint8Array;
export declare function evaluateCase(
  rc: Record<string, unknown>,
  op: string,
  input: Record<string, unknown>,
): unknown;
