import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoutePolicy } from './route-policy.js';

/** A route's policy, as `requirePermission` and its siblings give it, with `stepUp` where it needs one. */
type OperationConfig = { auth: RoutePolicy; stepUp?: boolean; optionalBody?: boolean; provesCredential?: boolean };

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

/** The one success an operation declares when it is not 200 (a creation's 201, an empty 204, a job's 202). */
function declaredSuccess(response: Record<number, unknown>) {
  const successes = Object.keys(response)
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  return successes.length === 1 && successes[0] !== 200 ? successes[0] : undefined;
}

/** A body an operation may go without is validated as `{}` when it was left out. */
async function bodyLeftOutAsEmpty(request: FastifyRequest) {
  request.body ??= {};
}

/**
 * The options of a documented route (`app.get(url, operation(policy, { … }), handler)`) under its module's
 * tags (or its own `tags`). The schema keeps its literal types, so the TypeBox provider still types `request.body`, `params`
 * and `query`, and checks what a handler returns against `response`. An operation whose only success is not 200
 * answers it without the handler saying so: the handler returns the created resource, or nothing for a 204.
 */
export const operations =
  (tags: string[]) =>
  <const Config extends OperationConfig, const Doc extends OperationDoc>(config: Config, doc: Doc) => {
    const schema = { tags, ...doc };
    const success = declaredSuccess(doc.response);
    const answerSuccess = async (_request: unknown, reply: FastifyReply) => {
      reply.code(success as number);
    };
    return {
      config,
      schema,
      ...(config.optionalBody ? { preValidation: bodyLeftOutAsEmpty } : {}),
      ...(success === undefined ? {} : { preHandler: answerSuccess }),
    };
  };
