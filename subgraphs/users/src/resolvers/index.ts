import { DateTimeResolver, EmailAddressResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers.js';
import { withSaneArguments } from './arguments.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  EmailAddress: EmailAddressResolver,
  Query: withSaneArguments(Query),
  Mutation: withSaneArguments(Mutation),
  User,
};
