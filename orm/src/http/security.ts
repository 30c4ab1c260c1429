import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  visit,
} from 'graphql';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.js';

/**
 * What one GraphQL request may ask for. Each refusal names its limit in `extensions.limit`, so a
 * client can tell "too deep" from "too many aliases" without parsing the message.
 */
export interface GraphQLLimits {
  /** Nesting of selection sets; fragments do not count as a level. */
  maxDepth: number;
  /** Aliased fields in one operation. */
  maxAliases: number;
  /** Directives in one operation. */
  maxDirectives: number;
  /** graphql-armor's cost: objects 2, scalars 1, ×1.5 per level, × a literal `first`. */
  maxCost: number;
  /** Lexical tokens in the document, counted by the parser, which stops there. */
  maxTokens: number;
  /** Largest `first` on any list, whether written in the query or passed as a variable. */
  maxPageSize: number;
}

/** The public edge: what a client may send through :8000. */
export const GATEWAY_LIMITS: GraphQLLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 50,
  // A page of 100 patients with every field, history and users included, costs about 21 650.
  maxCost: 25_000,
  maxTokens: 2_000,
  maxPageSize: 100,
};

/**
 * Defence in depth behind the gateway. Looser than the gateway's: the query planner inlines
 * fragments and wraps entity fetches in `_entities`, so a query the gateway accepted grows on the
 * way to a subgraph.
 */
export const SUBGRAPH_LIMITS: GraphQLLimits = {
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 100,
  maxCost: 50_000,
  maxTokens: 10_000,
  maxPageSize: 100,
};

/** The `extensions.limit` value of each refusal. */
export const LimitName = {
  MAX_DEPTH: 'MAX_DEPTH',
  MAX_ALIASES: 'MAX_ALIASES',
  MAX_DIRECTIVES: 'MAX_DIRECTIVES',
  MAX_COST: 'MAX_COST',
  MAX_TOKENS: 'MAX_TOKENS',
  MAX_PAGE_SIZE: 'MAX_PAGE_SIZE',
} as const;
export type LimitName = (typeof LimitName)[keyof typeof LimitName];

const positive = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/**
 * The environment variables of the GraphQL limits, to spread into a service's environment schema:
 * `z.object({ ...graphqlLimitsEnvironment(GATEWAY_LIMITS), ... })`.
 */
export function graphqlLimitsEnvironment(defaults: GraphQLLimits) {
  return {
    GRAPHQL_MAX_DEPTH: positive(defaults.maxDepth),
    GRAPHQL_MAX_ALIASES: positive(defaults.maxAliases),
    GRAPHQL_MAX_DIRECTIVES: positive(defaults.maxDirectives),
    GRAPHQL_MAX_COST: positive(defaults.maxCost),
    GRAPHQL_MAX_TOKENS: positive(defaults.maxTokens),
    // DESIGN.md §5 caps pages at 100: an operator may lower the cap, never raise it.
    GRAPHQL_MAX_PAGE_SIZE: positive(defaults.maxPageSize).pipe(z.number().max(100)),
  };
}

type LimitsEnvironment = z.infer<z.ZodObject<ReturnType<typeof graphqlLimitsEnvironment>>>;

/** The limits out of a config parsed with graphqlLimitsEnvironment. */
export function graphqlLimitsOf(config: LimitsEnvironment): GraphQLLimits {
  return {
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    maxAliases: config.GRAPHQL_MAX_ALIASES,
    maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
    maxCost: config.GRAPHQL_MAX_COST,
    maxTokens: config.GRAPHQL_MAX_TOKENS,
    maxPageSize: config.GRAPHQL_MAX_PAGE_SIZE,
  };
}

/**
 * graphql-armor reports through this instead of its default (which says `BAD_USER_INPUT` and
 * prefixes "Syntax Error"): Apollo answers it as GRAPHQL_VALIDATION_FAILED with HTTP 400.
 */
function reportLimit(limit: LimitName) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { limit } })),
    ],
  };
}

/** graphql-armor's validation rules for `limits`. */
function graphqlLimitRules(limits: GraphQLLimits): ValidationRule[] {
  return new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ...reportLimit(LimitName.MAX_DEPTH) },
    maxAliases: { n: limits.maxAliases, ...reportLimit(LimitName.MAX_ALIASES) },
    maxDirectives: { n: limits.maxDirectives, ...reportLimit(LimitName.MAX_DIRECTIVES) },
    costLimit: { maxCost: limits.maxCost, flattenFragments: true, ...reportLimit(LimitName.MAX_COST) },
    // The parser's own maxTokens stops before building the whole document; armor's plugin re-lexes it.
    maxTokens: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors does this, and only in production.
    blockFieldSuggestion: { enabled: false },
  }).protect().validationRules;
}

/** The value an argument will have, as far as it can be known before execution. */
function argumentValue(
  value: ValueNode,
  variables: Record<string, unknown>,
  defaults: Map<string, ValueNode | undefined>,
): unknown {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind !== Kind.VARIABLE) return undefined;
  const name = value.name.value;
  if (name in variables) return variables[name];
  const fallback = defaults.get(name);
  return fallback ? argumentValue(fallback, {}, new Map()) : undefined;
}

/** The values of every `first` argument of a document, found once per parsed document. */
const firstArguments = new WeakMap<DocumentNode, ValueNode[]>();

function firstArgumentsOf(document: DocumentNode): ValueNode[] {
  let values = firstArguments.get(document);
  if (!values) {
    const found: ValueNode[] = [];
    visit(document, {
      Argument(node) {
        if (node.name.value === 'first') found.push(node.value);
      },
    });
    values = found;
    firstArguments.set(document, values);
  }
  return values;
}

/**
 * Refuses any field whose `first` is above `maxPageSize` or negative. A validation rule cannot do
 * this: it never sees variables, and `first: $n` with `n = 100000` is the common way to ask.
 * Apollo keeps parsed documents, so a document is walked once, not on every request.
 */
function pageSizePlugin(maxPageSize: number): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operation }) {
          const values = firstArgumentsOf(document);
          if (!values.length) return;
          const variables = request.variables ?? {};
          const defaults = new Map(
            operation?.variableDefinitions?.map((definition) => [
              definition.variable.name.value,
              definition.defaultValue,
            ]),
          );
          for (const value of values) {
            const first = argumentValue(value, variables, defaults);
            if (typeof first !== 'number' || (first >= 0 && first <= maxPageSize)) continue;
            throw new AppError(
              first < 0 ? '`first` must not be negative' : `\`first\` must be at most ${maxPageSize}`,
              ErrorCode.BAD_USER_INPUT,
              { field: 'first', limit: LimitName.MAX_PAGE_SIZE, http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}

/**
 * graphql-js stops at `maxTokens` with a plain syntax error ("more that N tokens" in graphql 16,
 * "than" in later versions); this names the limit like the others.
 */
const tokenLimitPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors)
          if (/Document contains more th(?:an|at) \d+ tokens/.test(error.message))
            Object.assign(error.extensions, { limit: LimitName.MAX_TOKENS });
      },
    };
  },
};

/**
 * A subgraph's `_service { sdl }` hands out the whole schema, descriptions included: introspection
 * by another name. Nothing needs it in production (the gateway serves a static supergraph; rover
 * composes from the schema files), so it goes with introspection.
 */
const NoFederationSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType() === context.getSchema().getQueryType())
      context.reportError(
        new GraphQLError(
          'GraphQL introspection has been disabled, but the requested query contained the field "_service".',
          { nodes: node },
        ),
      );
  },
});

export interface GraphQLSecurityOptions {
  limits: GraphQLLimits;
  /** NODE_ENV=production: no introspection (nor a subgraph's `_service`), no "Did you mean" hints. */
  production: boolean;
}

/**
 * The hardening every Apollo server of HealthSync takes, as ApolloServer options to spread:
 * `new ApolloServer({ schema, ...security, plugins: [...security.plugins, landingPage] })`.
 * Stack traces never leave (createErrorFormatter masks unexpected errors), batched arrays are
 * refused, CSRF prevention is on; gateway/README.md, "Limits", lists every limit.
 */
export function graphqlSecurity({ limits, production }: GraphQLSecurityOptions) {
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      ...graphqlLimitRules(limits),
      // graphql-js's rule instead of Apollo's `introspection: false`: Apollo's message names the
      // server and the option that would turn introspection back on.
      ...(production ? [NoSchemaIntrospectionCustomRule, NoFederationSdlRule] : []),
    ],
    plugins: [pageSizePlugin(limits.maxPageSize), tokenLimitPlugin],
    introspection: true,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
  };
}
