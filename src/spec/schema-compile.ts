/**
 * Compiles the JSON Schema (schema/imagespec.schema.json) into a validator with ajv.
 *
 * Tests and `tsx`-style runs from source compile it here, at first use. The bundles in dist/ never run this
 * module: scripts/build.mjs generates the same validator once at build time with ajv's standalone code
 * generation (`standaloneValidatorSource`) and substitutes it for this module, so a run does not spend
 * ~100 ms compiling the schema before it can read a spec.
 */
import { Ajv2020, type Options, type ValidateFunction } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import schemaJson from '../../schema/imagespec.schema.json' with { type: 'json' };

/** All errors, with the failing schema node (`verbose`) for messages; annotation keywords for hints. */
const OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
};

function newAjv(extra: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...OPTIONS, ...extra });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-refined', schemaType: 'string' });
  return ajv;
}

/** The schema validator, compiled now. */
export function compileSchemaValidator(): ValidateFunction {
  return newAjv().compile(schemaJson);
}

/**
 * The validator as an ES module exporting `compileSchemaValidator()` like this one does, for the bundle.
 * The module's text is a pure function of the schema and ajv's version, so builds stay byte-identical.
 */
export function standaloneValidatorSource(): string {
  const ajv = newAjv({ code: { source: true, esm: true } });
  const validate = ajv.compile(schemaJson);
  const code = standaloneCode.default(ajv, validate);
  return `${code}\nexport function compileSchemaValidator() { return validate; }\n`;
}
