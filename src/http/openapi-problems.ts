/**
 * The OpenAPI document's error answers, written once each. Every route declares its problems inline (the
 * serializer and the tests read them there), so the generated document repeated the whole problem schema in each
 * of its ~1,200 error answers: over a megabyte, which Swagger UI took 40 s to render on a busy machine. Here each
 * distinct answer (a status and its codes) becomes one `components.responses` entry that operations point to,
 * and the problem body one `components.schemas.Problem` that those entries extend with their codes.
 */
import type { SwaggerTransformObject } from '@fastify/swagger';
import { Problem } from './schemas.js';

type Json = Record<string, unknown>;
type Document = Json & { paths?: Record<string, Record<string, Json>>; components?: Json };

const PROBLEM_REF = '#/components/schemas/Problem';

/** The codes an inline problem answer lists, or undefined when the answer is not one of ours. */
function problemCodes(answer: unknown): string[] | undefined {
  const schema = (answer as { content?: Record<string, { schema?: Json }> })?.content?.['application/json']?.schema;
  const properties = schema?.properties as Record<string, { enum?: unknown }> | undefined;
  const codes = properties?.code?.enum;
  if (!properties?.type || !properties.title || !Array.isArray(codes)) return undefined;
  return codes as string[];
}

/** A stable name that says what the answer is: its status and its codes. */
const responseName = (status: string, codes: string[]) => [status, ...codes].join('-');

function sharedResponse(codes: string[]): Json {
  return {
    description: `Problem codes: ${codes.join(', ')}`,
    content: {
      'application/json': {
        schema: { allOf: [{ $ref: PROBLEM_REF }, { type: 'object', properties: { code: { enum: codes } } }] },
      },
    },
  };
}

/** `transformObject` for @fastify/swagger: the same document, each error answer written once. */
export const shareProblemResponses: SwaggerTransformObject = (documentObject) => {
  if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
  const document = documentObject.openapiObject as Document;
  const responses: Record<string, Json> = {};
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const answers = operation.responses as Record<string, unknown> | undefined;
      for (const [status, answer] of Object.entries(answers ?? {})) {
        const codes = problemCodes(answer);
        if (!answers || !codes) continue;
        const name = responseName(status, codes);
        responses[name] ??= sharedResponse(codes);
        answers[status] = { $ref: `#/components/responses/${name}` };
      }
    }
  }
  const components = document.components ?? {};
  document.components = {
    ...components,
    schemas: { ...(components.schemas as Json | undefined), Problem: JSON.parse(JSON.stringify(Problem)) },
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
  };
  return document;
};
