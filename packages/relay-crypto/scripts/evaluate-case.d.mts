export declare function bodyOf(input: Record<string, any>): string | Uint8Array;
export declare function evaluateCase(rc: Record<string, any>, op: string, input: Record<string, any>): unknown;
