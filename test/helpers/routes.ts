/**
 * Every route's full path, read from Fastify's printed route tree (each line a segment under its parent): those
 * taking `method`, or every path with a method when none is named.
 */
export function routePaths(printed: string, method?: string): string[] {
  const segments: string[] = [];
  const paths: string[] = [];
  for (const line of printed.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const [, segment = '', methods] = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4)) ?? [];
    segments.length = at / 4;
    segments.push(segment);
    if (methods && (method === undefined || methods.split(', ').includes(method))) paths.push(segments.join(''));
  }
  return paths.filter((path) => path !== '*');
}
