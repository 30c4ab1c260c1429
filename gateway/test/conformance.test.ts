/**
 * GraphQL over HTTP conformance of the public edge: graphql-http's server audits against the
 * gateway through nginx, on a whole stack. The subgraphs run the same audits in their own test
 * folders.
 *
 * Development mode, because two MUST audits (BF61, 28B9) query `__type`, which production refuses
 * (introspection off). Nothing else the audits look at depends on the mode: production only adds
 * the introspection rule and drops suggestions (orm/test/security.test.ts, gateway/test/security.test.ts).
 */
import { describeServerAudits } from '@healthsync/orm/testing';
import { useTestStack } from '../src/stack/test-stack.js';

const edge = useTestStack({ nodeEnv: 'development' });

describeServerAudits(() => edge().edge);
