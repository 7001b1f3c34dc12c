/**
 * The one Liquid engine every campaign template is parsed and rendered with, created once per
 * process. Unknown variables render empty; unknown filters are template errors; templates cannot
 * read files (`include`, `render`, `layout` are refused). Adds `{% qrcode %}` and `{% barcode %}`.
 */
import { Liquid, Tag, Value, type Context, type Emitter, type Template, type TagToken, type TopLevelToken } from 'liquidjs';
import { RecipientRenderError } from './errors';
import type { CodeKind } from './render-types';

export const liquid = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // A runaway loop in one recipient's template stops instead of stalling the batch.
  renderLimit: 2_000,
});

/**
 * Where a render's code tags report to. It sits on the render scope under a symbol, which no
 * template can name: the tags are shared by every render, the sink belongs to one.
 */
export interface CodeSink {
  /** Records a code and returns what the tag writes in its place. */
  add(kind: CodeKind, value: string): string;
}

export const codeSinkKey = Symbol('pigeon.codeSink');

export type RenderScope = Record<string | symbol, unknown>;

/** `{% qrcode order.url %}` / `{% barcode order.code, "ean13" %}`: an image of the value. */
class CodeTag extends Tag {
  private readonly kind: CodeKind;
  private readonly value: Value;

  constructor(token: TagToken, remainTokens: TopLevelToken[], engine: Liquid) {
    super(token, remainTokens, engine);
    const args = token.args.trim();
    if (token.name === 'qrcode') {
      this.kind = 'qr';
      this.value = parseValue(args, token.name, engine);
      return;
    }
    const match = /^([\s\S]*?)\s*,\s*(["'])([A-Za-z0-9]+)\2$/.exec(args);
    const kind = match ? (match[3] as string).toLowerCase() : 'code128';
    if (kind !== 'code128' && kind !== 'ean13') throw new Error(`barcode kind must be "code128" or "ean13", not "${kind}"`);
    this.kind = kind;
    this.value = parseValue(match ? (match[1] as string) : args, token.name, engine);
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const raw = yield this.value.value(ctx, false);
    const sink = (ctx.environments as RenderScope)[codeSinkKey] as CodeSink | undefined;
    emitter.write(sink ? sink.add(this.kind, raw == null ? '' : String(raw)) : '');
  }

  *arguments(): Generator<Value, void, unknown> {
    yield this.value;
  }
}

function parseValue(expression: string, tag: string, engine: Liquid): Value {
  if (!expression) throw new Error(`${tag} needs a value, e.g. {% ${tag} custom.coupon %}`);
  return new Value(expression, engine);
}

/** Campaign templates are self-contained: no tag may read a file from the server. */
class RefusedTag extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], engine: Liquid) {
    super(token, remainTokens, engine);
    throw new Error(`the ${token.name} tag is not available in campaign templates`);
  }

  render(): void {}
}

liquid.registerTag('qrcode', CodeTag);
liquid.registerTag('barcode', CodeTag);
for (const name of ['include', 'render', 'layout']) liquid.registerTag(name, RefusedTag);

/** Tags that only draw an image: the plain-text part leaves them out. */
export const imageTags: ReadonlySet<string> = new Set(['qrcode', 'barcode']);

export interface TemplateIssue {
  readonly field: string;
  readonly message: string;
}

/** Templates without a single tag or output (a fixed sender name) and their text. */
const staticText = new WeakMap<Template[], string>();

/** Parses one template; a syntax error comes back as an issue naming the field and the line. */
export function parseTemplate(field: string, source: string): { template: Template[] } | { issue: TemplateIssue } {
  try {
    const template = liquid.parse(source);
    if (!source.includes('{{') && !source.includes('{%')) staticText.set(template, source);
    return { template };
  } catch (error) {
    return { issue: { field, message: error instanceof Error ? error.message : String(error) } };
  }
}

/**
 * Renders synchronously (Liquid's sync mode: our tags and filters never wait). A static
 * template is returned as it is: a Liquid render costs ~10 µs even for plain text.
 */
export function renderTemplate(template: Template[], scope: RenderScope): string {
  return staticText.get(template) ?? String(liquid.renderSync(template, scope));
}

/** Renders one template; a failure (a filter given this recipient's value, …) is theirs alone. */
export function renderField(field: string, template: Template[], scope: RenderScope): string {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RecipientRenderError('template.render', `content.${field} could not be rendered for this recipient: ${message}`, { cause: error });
  }
}
