import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../shared/api/routes';
import { buildOpenApiDocument } from '../../shared/openapi/document';
import { openApiPath, renderOpenApi } from '../../shared/openapi/write-openapi';
import { createSystemOperations } from '../../shared/system/system';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument() as Json;

  it('is the committed openapi.json (run `npm run openapi` after changing routes or schemas)', () => {
    expect(readFileSync(openApiPath, 'utf8')).toBe(renderOpenApi());
  });

  it('describes every route with its operationId, and each operationId once', () => {
    const ids: string[] = [];
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.operationId).toBe(route.operationId);
      ids.push(operation.operationId);
    }
    expect(new Set(ids).size).toBe(routes.length);
  });

  it('secures every non-public route with the console JWT or the partner signature, and states the role', () => {
    for (const route of routes) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      if (route.access === 'public') {
        expect(operation.security).toEqual([]);
      } else {
        expect(operation.security).toEqual([
          { consoleJwt: [] },
          { partnerSignature: [], partnerDate: [], partnerNonce: [], partnerContentSha256: [] },
        ]);
        expect(operation['x-pigeon-access']).toBe(route.access);
        expect(operation.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
        expect(operation.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
      }
    }
    expect(document.components.securitySchemes.consoleJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('resolves every $ref it uses', () => {
    const refs = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.add(value);
          else walk(value);
        }
      }
    };
    walk(document);
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      const target = ref.replace(/^#\//, '').split('/').reduce<Json | undefined>((node, part) => node?.[part], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents the contact inputs from the zod schemas (fields, the duplicate 409, If-Match)', () => {
    const create = document.components.schemas.ContactCreate;
    expect(Object.keys(create.properties)).toEqual(
      expect.arrayContaining(['email', 'mobile', 'fax', 'name', 'company', 'title', 'gender', 'birthday', 'city', 'address', 'language', 'tags', 'status']),
    );
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.gender.enum).toEqual(['female', 'male', 'other']);
    const post = document.paths['/contacts'].post;
    expect(post.responses['201'].headers.Location).toBeDefined();
    expect(post.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
    const patch = document.paths['/contacts/{id}'].patch;
    expect(patch.parameters.map((p: Json) => p.name)).toEqual(['id', 'If-Match']);
    expect(patch.responses['412']).toBeDefined();
    const list = document.paths['/contacts'].get;
    expect(list.parameters.map((p: Json) => p.name)).toEqual(['limit', 'cursor', 'q', 'group', 'category', 'status', 'scoreMin', 'scoreMax']);
    expect(document.components.responses.BadRequest.content['application/problem+json']).toBeDefined();
  });

  it('is served by GET /openapi.json with the caller\'s server URL', async () => {
    const response = await createSystemOperations({ stage: 'test' }).getOpenApi({
      pathParameters: {},
      query: {},
      body: undefined,
      headers: {},
      requestId: 'r',
      baseUrl: 'https://api.example.test',
    });
    const served = response.body as Json;
    expect(served.servers).toEqual([{ url: 'https://api.example.test' }]);
    expect(served.paths).toEqual(document.paths);
  });
});
