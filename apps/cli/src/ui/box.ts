// A framed block of lines, sized by display width (the codes are ASCII; labels may not be).

function width(s: string): number {
  // eslint-disable-next-line no-control-regex -- matching ESC is the point: it strips colour codes
  return [...s.replace(/\x1b\[[0-9;]*m/g, "")].length;
}

export function box(lines: readonly string[]): string {
  const inner = Math.max(...lines.map(width), 0);
  const top = `┌${"─".repeat(inner + 2)}┐`;
  const bottom = `└${"─".repeat(inner + 2)}┘`;
  const body = lines.map((l) => `│ ${l}${" ".repeat(inner - width(l))} │`);
  return [top, ...body, bottom].join("\n");
}
