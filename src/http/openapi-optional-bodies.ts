import type { SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

type Operation = { requestBody?: { required?: boolean } };
type Document = { paths?: Record<string, Record<string, Operation>> };

/**
 * @fastify/swagger marks every declared body required, which a route with `optionalBody` does not need: the
 * document (and the typed client generated from it) must let a caller leave it out. Collects those routes as
 * they are added, and wraps the document's transform to say so on each.
 */
export function withOptionalBodies(app: FastifyInstance, transform: SwaggerTransformObject): SwaggerTransformObject {
  const optional: { path: string; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.config?.optionalBody) return;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    for (const method of [route.method].flat()) optional.push({ path, method: method.toLowerCase() });
  });
  return (documentObject) => {
    const document = transform(documentObject) as Document;
    for (const { path, method } of optional) {
      const body = document.paths?.[path]?.[method]?.requestBody;
      if (body) body.required = false;
    }
    return document as ReturnType<SwaggerTransformObject>;
  };
}
