import type { JsonSchema } from './openapi.schemas';

/** A reference to a reusable component. */
export interface OpenApiRef {
  readonly $ref: string;
}

/** A path, query or header parameter. */
export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

/** One response of an operation. */
export interface OpenApiResponse {
  readonly description: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: JsonSchema }>>;
  readonly content?: Readonly<Record<string, { readonly schema: JsonSchema }>>;
}

/** One operation (a method on a path). */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly (OpenApiParameter | OpenApiRef)[];
  readonly requestBody?: { readonly required: boolean; readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>> };
  readonly responses: Readonly<Record<string, OpenApiResponse | OpenApiRef>>;
  /** `[]`: no authentication; otherwise the bearer scheme with the scope the route needs (none: any valid token). */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
}

/** The bearer-token security scheme. */
export interface OpenApiSecurityScheme {
  readonly type: 'http';
  readonly scheme: 'bearer';
  readonly bearerFormat: string;
  readonly description: string;
}

/** The HTTP methods this service uses. */
export type OpenApiMethod = 'get' | 'put' | 'post' | 'delete';

/** The subset of an OpenAPI 3.1 document this service needs. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Readonly<Partial<Record<OpenApiMethod, OpenApiOperation>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly parameters: Readonly<Record<string, OpenApiParameter>>;
    readonly responses: Readonly<Record<string, OpenApiResponse>>;
    readonly securitySchemes: Readonly<Record<string, OpenApiSecurityScheme>>;
  };
  /** Default for operations: a bearer token (each operation states its own scope). */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
}
