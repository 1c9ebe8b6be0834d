import { describe, expect, it } from 'vitest';
import { shareProblemResponses } from './openapi-problems.js';
import { problems } from './schemas.js';

const problemAnswer = (status: number, ...codes: string[]) => {
  const schema = problems(...codes.map((code) => ({ status, code, title: code, detail: code })))[status];
  return { description: schema?.description, content: { 'application/json': { schema } } };
};
const success = { description: 'Default Response', content: { 'application/json': { schema: { type: 'object' } } } };

describe('shareProblemResponses', () => {
  it('writes each status and code list once, points every operation at it, and leaves success answers inline', () => {
    const openapiObject = {
      openapi: '3.1.0',
      paths: {
        '/a': { get: { responses: { 200: success, 401: problemAnswer(401, 'UNAUTHORIZED'), 404: problemAnswer(404, 'A_NOT_FOUND') } } },
        '/b': { post: { responses: { 201: success, 401: problemAnswer(401, 'UNAUTHORIZED'), 409: problemAnswer(409, 'X', 'Y') } } },
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    };
    const document = shareProblemResponses({ openapiObject } as never) as typeof openapiObject & {
      components: { responses: Record<string, { description: string; content: unknown }>; schemas: Record<string, unknown> };
    };

    expect(document.paths['/a'].get.responses).toEqual({
      200: success,
      401: { $ref: '#/components/responses/401-UNAUTHORIZED' },
      404: { $ref: '#/components/responses/404-A_NOT_FOUND' },
    });
    expect(document.paths['/b'].post.responses[409]).toEqual({ $ref: '#/components/responses/409-X-Y' });
    expect(Object.keys(document.components.responses)).toEqual(['401-UNAUTHORIZED', '404-A_NOT_FOUND', '409-X-Y']);
    expect(document.components.responses['409-X-Y']).toEqual({
      description: 'Problem codes: X, Y',
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { enum: ['X', 'Y'] } } }],
          },
        },
      },
    });
    expect(document.components.schemas.Problem).toMatchObject({ required: ['type', 'title', 'status', 'detail', 'code'] });
    expect(document.components.securitySchemes).toEqual(openapiObject.components.securitySchemes);
  });
});
