import type { TSchema } from '@sinclair/typebox';
import type { RoutePolicy } from './route-policy.js';

/** A route's policy, as `requirePermission` and its siblings give it, with `stepUp` where it needs one. */
type OperationConfig = { auth: RoutePolicy; stepUp?: boolean };

/** What an operation tells the OpenAPI document: its words, its input and its answers per status. */
interface OperationDoc {
  summary: string;
  description: string;
  body?: TSchema;
  params?: TSchema;
  querystring?: TSchema;
  tags?: string[];
  operationId?: string;
  consumes?: string[];
  response: Record<number, unknown>;
}

/**
 * The options of a documented route (`app.get(url, operation(policy, { … }), handler)`) under its module's
 * tags (or its own `tags`). The schema keeps its literal types, so the TypeBox provider still types `request.body`, `params`
 * and `query`, and checks what a handler returns against `response`.
 */
export const operations =
  (tags: string[]) =>
  <const Config extends OperationConfig, const Doc extends OperationDoc>(config: Config, doc: Doc) => ({
    config,
    schema: { tags, ...doc },
  });
