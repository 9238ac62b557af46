import * as z from 'zod';
import { ResizeRequest, ResizeResponse } from './schemas.js';

/** A JSON Schema document as produced by zod. */
export type JsonSchemaDocument = z.core.JSONSchema.BaseSchema;

/** The contract's JSON Schema documents, keyed by the base name of their file in `contract/schema/`. */
export interface JsonSchemas {
  /** Schema of the payload callers send to the Lambda. */
  'resize-request': JsonSchemaDocument;
  /** Schema of the Lambda's answer. */
  'resize-response': JsonSchemaDocument;
}

/** Prefix of the `$id` of every schema. */
const ID_PREFIX = 'urn:preview-lambda:contract:';

/** `io: 'input'` describes what the parsers accept, so unknown properties stay allowed. */
const GENERATOR_OPTIONS = {
  io: 'input',
  target: 'draft-2020-12',
  // zod emits `format: "base64"` next to `contentEncoding`; it is not a standard format and strict
  // validators (Ajv) reject unknown formats. `contentEncoding` and `pattern` already say it.
  override: ({ jsonSchema }) => {
    if (jsonSchema.format === 'base64') {
      delete jsonSchema.format;
    }
  },
} as const satisfies Parameters<typeof z.toJSONSchema>[1];

/**
 * Builds the JSON Schema (draft 2020-12) of the request and of the response from the zod schemas.
 *
 * They describe the accepted input (`io: 'input'`), so unknown properties are allowed as the parsers
 * accept and strip them. Rules that JSON Schema cannot express are left out of the documents but stated
 * in their descriptions: `src_key`'s 1024 UTF-8 byte limit (only `maxLength` 1024 is emitted) and the
 * preview-key rules.
 */
export function jsonSchemas(): JsonSchemas {
  const request = z.toJSONSchema(ResizeRequest, GENERATOR_OPTIONS);
  const response = z.toJSONSchema(ResizeResponse, GENERATOR_OPTIONS);
  return {
    'resize-request': document(request, {
      name: 'resize-request',
      title: 'Preview Lambda resize request',
      description:
        "Payload of a RequestResponse invocation of the preview Lambda, field for field the Go Lambda's, " +
        'plus the optional format of a variant. Unknown properties are ignored. Beyond this schema, src_key ' +
        'must be at most 1024 UTF-8 bytes, must start with rewrite_part + "/", must have no empty, "." or ".." ' +
        'segment, and root_folder/preset_name[@format]/<rest of src_key> must be at most 1024 UTF-8 bytes.',
    }),
    'resize-response': document(
      {
        ...response,
        // `code` only accompanies failures; zod does not emit refinements, so state it here.
        if: { properties: { status: { const: true } }, required: ['status'] },
        then: { not: { required: ['code'] } },
      },
      {
        name: 'resize-response',
        title: 'Preview Lambda resize response',
        description:
          'Answer of the preview Lambda: the five fields the Go Lambda always sent, plus `code` on failures. ' +
          'Callers check status, then base64-decode data and serve it with content_type.',
      },
    ),
  };
}

interface DocumentOptions {
  name: keyof JsonSchemas;
  title: string;
  description: string;
}

/** Puts `$schema`, `$id`, `title` and `description` first, then the generated keywords. */
function document(generated: JsonSchemaDocument, options: DocumentOptions): JsonSchemaDocument {
  const { $schema, ...keywords } = generated;
  return {
    $schema,
    $id: `${ID_PREFIX}${options.name}`,
    title: options.title,
    description: options.description,
    ...keywords,
  };
}
