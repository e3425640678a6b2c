import type { SpanNode } from './support';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/**
 * A Mermaid flowchart of a span forest: one box per span (its name and kind, and its `error.type`
 * when it failed), an arrow from each span to the spans it contains, in start order.
 */
export function mermaidOf(forest: readonly SpanNode[]): string {
  const lines = ['flowchart TD'];
  let next = 0;
  const visit = (node: SpanNode): string => {
    const id = `s${++next}`;
    const error = node.span.attributes['error.type'];
    const label = `${node.span.name}<br/><i>${KINDS[node.span.kind] ?? 'internal'}</i>${error === undefined ? '' : `<br/>error.type=${String(error)}`}`;
    lines.push(`  ${id}["${label}"]`);
    for (const child of node.children) lines.push(`  ${id} --> ${visit(child)}`);
    return id;
  };
  for (const root of forest) visit(root);
  return lines.join('\n');
}
