import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { UserProfile as UserProfileEntity, AuthEvent as AuthEventEntity } from '../entities.js';
import type { UsersContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: Date; output: Date; }
  EmailAddress: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

export type AuthAction =
  | 'APPROVAL'
  | 'DEACTIVATION'
  | 'INVITATION'
  | 'LOGOUT'
  | 'PASSWORD_CHANGE'
  | 'REFRESH'
  /** A used refresh token presented again: its whole session was revoked. */
  | 'REFRESH_REUSE'
  | 'ROLE_CHANGE'
  | 'SIGN_IN'
  | 'SIGN_UP';

/** One sign-in, session or account change, as the append-only trail keeps it. */
export type AuthEvent = {
  __typename?: 'AuthEvent';
  action: AuthAction;
  /** Who did it: the signed-in caller, or the account signing in; null when unknown (a failed sign-in of no account) or an operator. */
  actorId?: Maybe<Scalars['ID']['output']>;
  at: Scalars['DateTime']['output'];
  clientAddress?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  outcome: AuthOutcome;
  requestId?: Maybe<Scalars['String']['output']>;
  /** The account it was about. */
  targetUserId?: Maybe<Scalars['ID']['output']>;
};

export type AuthEventConnection = {
  __typename?: 'AuthEventConnection';
  edges: Array<AuthEventEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AuthEventEdge = {
  __typename?: 'AuthEventEdge';
  cursor: Scalars['String']['output'];
  node: AuthEvent;
};

export type AuthEventFilter = {
  action?: InputMaybe<AuthAction>;
  /** From this instant (inclusive). */
  from?: InputMaybe<Scalars['DateTime']['input']>;
  /** Up to this instant (exclusive). */
  to?: InputMaybe<Scalars['DateTime']['input']>;
  /** Events by this account or about it. */
  userId?: InputMaybe<Scalars['ID']['input']>;
};

export type AuthOutcome =
  /** Refused: bad credentials, no right, throttled, invalid invitation… */
  | 'DENIED'
  | 'FAILED'
  | 'SUCCESS';

export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** Short-lived EdDSA JWT to send as `Authorization: Bearer <accessToken>`. */
  accessToken: Scalars['String']['output'];
  /** Seconds until accessToken expires. */
  expiresIn: Scalars['Int']['output'];
  /** Opaque token for refreshSession; stored only as a hash on the server. */
  refreshToken: Scalars['String']['output'];
  /** Always `Bearer`. */
  tokenType: Scalars['String']['output'];
  user: User;
};

/** An admin's invitation to sign up: give `token` to the invited person (it is shown only this once). */
export type Invitation = {
  __typename?: 'Invitation';
  email: Scalars['EmailAddress']['output'];
  expiresAt: Scalars['DateTime']['output'];
  role: Role;
  token: Scalars['String']['output'];
};

export type LoginInput = {
  email: Scalars['EmailAddress']['input'];
  password: Scalars['String']['input'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Approves a PENDING account with a role (ADMIN): it becomes ACTIVE; its next refresh carries the role. */
  approveUser: User;
  /** Changes the signed-in user's password (the same rules as signUp) and ends all their sessions and access tokens. */
  changePassword: Scalars['Boolean']['output'];
  /** Deactivates an account (ADMIN): its sessions end and its access tokens stop working at once (within 2 s everywhere). */
  deactivateUser: User;
  /** Invites `email` to sign up with `role` (ADMIN): one use, that email only, until it expires (INVITATION_TTL_SECONDS). */
  inviteUser: Invitation;
  /** Signs in. Unknown email and wrong password give the same answer; repeated failures answer RATE_LIMITED. */
  login: AuthPayload;
  /** Ends the session the refresh token belongs to. True even when it was already over. */
  logout: Scalars['Boolean']['output'];
  /**
   * Exchanges a refresh token for a new access token and a new refresh token (the old one is used up).
   * Presenting a used refresh token again revokes its whole session.
   */
  refreshSession: AuthPayload;
  /** Gives an account another role (ADMIN). Its current access tokens stop working at once (within 2 s everywhere). */
  setUserRole: User;
  /**
   * Creates an account and signs it in. SIGNUP_MODE=open: with SIGNUP_DEFAULT_ROLE. approval: the
   * account is PENDING (it reads nothing until an admin approves it); the answer is the same whether
   * or not the email was taken. invite: only with a valid `invitation` for that email, whose role
   * the account gets. Throttled per client address (RATE_LIMITED).
   */
  signUp: AuthPayload;
};


export type MutationApproveUserArgs = {
  id: Scalars['ID']['input'];
  role: Role;
};


export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


export type MutationDeactivateUserArgs = {
  id: Scalars['ID']['input'];
};


export type MutationInviteUserArgs = {
  email: Scalars['EmailAddress']['input'];
  role: Role;
};


export type MutationLoginArgs = {
  input: LoginInput;
};


export type MutationLogoutArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationSetUserRoleArgs = {
  id: Scalars['ID']['input'];
  role: Role;
};


export type MutationSignUpArgs = {
  input: SignUpInput;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** The auth event trail, newest first (ADMIN). `first` is 1 to 100, 20 by default. */
  authEvents: AuthEventConnection;
  /** The signed-in user; null when anonymous. */
  me?: Maybe<User>;
  /**
   * One account, null when there is none. Anyone signed in with a role may ask; only an ADMIN and
   * the user themself see more than its id and name (see `User`).
   */
  user?: Maybe<User>;
  /** Accounts, oldest first (ADMIN): `filter: { state: PENDING }` lists who waits for approval. `first` is 1 to 100, 20 by default. */
  users: UserConnection;
};


export type QueryAuthEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<AuthEventFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<UserFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** What a user may do: VIEWER reads patients, CLINICIAN reads and writes them, ADMIN also manages users and reads the audit log. */
export type Role =
  | 'ADMIN'
  | 'CLINICIAN'
  | 'VIEWER';

export type SignUpInput = {
  email: Scalars['EmailAddress']['input'];
  /** The token of an admin's invitation (required when SIGNUP_MODE=invite). */
  invitation?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /**
   * 12 to 128 characters; not a common or breached password, not built from the service's name or
   * your email or name, not repetitive or sequential.
   */
  password: Scalars['String']['input'];
};

/**
 * A person who signs in to HealthSync. Everyone signed in (with a role) sees `id`, `name` and
 * `createdAt`; `email`, `role`, `state`, `active` and `lastLoginAt` are shown only to an ADMIN and to
 * the user themself, and are null for anyone else (so that a record's `createdBy` still answers).
 */
export type User = {
  __typename?: 'User';
  /** True when `state` is ACTIVE. */
  active?: Maybe<Scalars['Boolean']['output']>;
  createdAt: Scalars['DateTime']['output'];
  email?: Maybe<Scalars['EmailAddress']['output']>;
  id: Scalars['ID']['output'];
  lastLoginAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** None while the account waits for approval. */
  role?: Maybe<Role>;
  state?: Maybe<UserState>;
};

export type UserConnection = {
  __typename?: 'UserConnection';
  edges: Array<UserEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type UserEdge = {
  __typename?: 'UserEdge';
  cursor: Scalars['String']['output'];
  node: User;
};

export type UserFilter = {
  role?: InputMaybe<Role>;
  state?: InputMaybe<UserState>;
};

/** Where an account stands: PENDING until an admin approves it (SIGNUP_MODE=approval), ACTIVE, or DEACTIVATED. */
export type UserState =
  | 'ACTIVE'
  | 'DEACTIVATED'
  | 'PENDING';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  User: User;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  AuthAction: AuthAction;
  AuthEvent: ResolverTypeWrapper<AuthEventEntity>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  AuthEventConnection: ResolverTypeWrapper<Omit<AuthEventConnection, 'edges'> & { edges: Array<ResolversTypes['AuthEventEdge']> }>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  AuthEventEdge: ResolverTypeWrapper<Omit<AuthEventEdge, 'node'> & { node: ResolversTypes['AuthEvent'] }>;
  AuthEventFilter: AuthEventFilter;
  AuthOutcome: AuthOutcome;
  AuthPayload: ResolverTypeWrapper<Omit<AuthPayload, 'user'> & { user: ResolversTypes['User'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  EmailAddress: ResolverTypeWrapper<Scalars['EmailAddress']['output']>;
  Invitation: ResolverTypeWrapper<Invitation>;
  LoginInput: LoginInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Role: Role;
  SignUpInput: SignUpInput;
  User: ResolverTypeWrapper<UserProfileEntity>;
  UserConnection: ResolverTypeWrapper<Omit<UserConnection, 'edges'> & { edges: Array<ResolversTypes['UserEdge']> }>;
  UserEdge: ResolverTypeWrapper<Omit<UserEdge, 'node'> & { node: ResolversTypes['User'] }>;
  UserFilter: UserFilter;
  UserState: UserState;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  AuthEvent: AuthEventEntity;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  AuthEventConnection: Omit<AuthEventConnection, 'edges'> & { edges: Array<ResolversParentTypes['AuthEventEdge']> };
  Int: Scalars['Int']['output'];
  AuthEventEdge: Omit<AuthEventEdge, 'node'> & { node: ResolversParentTypes['AuthEvent'] };
  AuthEventFilter: AuthEventFilter;
  AuthPayload: Omit<AuthPayload, 'user'> & { user: ResolversParentTypes['User'] };
  DateTime: Scalars['DateTime']['output'];
  EmailAddress: Scalars['EmailAddress']['output'];
  Invitation: Invitation;
  LoginInput: LoginInput;
  Mutation: Record<PropertyKey, never>;
  Boolean: Scalars['Boolean']['output'];
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  SignUpInput: SignUpInput;
  User: UserProfileEntity;
  UserConnection: Omit<UserConnection, 'edges'> & { edges: Array<ResolversParentTypes['UserEdge']> };
  UserEdge: Omit<UserEdge, 'node'> & { node: ResolversParentTypes['User'] };
  UserFilter: UserFilter;
}>;

export type AuthEventResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['AuthEvent'] = ResolversParentTypes['AuthEvent']> = ResolversObject<{
  action?: Resolver<ResolversTypes['AuthAction'], ParentType, ContextType>;
  actorId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  clientAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuthOutcome'], ParentType, ContextType>;
  requestId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  targetUserId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
}>;

export type AuthEventConnectionResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['AuthEventConnection'] = ResolversParentTypes['AuthEventConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AuthEventEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type AuthEventEdgeResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['AuthEventEdge'] = ResolversParentTypes['AuthEventEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['AuthEvent'], ParentType, ContextType>;
}>;

export type AuthPayloadResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = ResolversObject<{
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tokenType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface EmailAddressScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['EmailAddress'], any> {
  name: 'EmailAddress';
}

export type InvitationResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['Invitation'] = ResolversParentTypes['Invitation']> = ResolversObject<{
  email?: Resolver<ResolversTypes['EmailAddress'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  approveUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationApproveUserArgs, 'id' | 'role'>>;
  changePassword?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationChangePasswordArgs, 'currentPassword' | 'newPassword'>>;
  deactivateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationDeactivateUserArgs, 'id'>>;
  inviteUser?: Resolver<ResolversTypes['Invitation'], ParentType, ContextType, RequireFields<MutationInviteUserArgs, 'email' | 'role'>>;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'input'>>;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationLogoutArgs, 'refreshToken'>>;
  refreshSession?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRefreshSessionArgs, 'refreshToken'>>;
  setUserRole?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserRoleArgs, 'id' | 'role'>>;
  signUp?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationSignUpArgs, 'input'>>;
}>;

export type PageInfoResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  authEvents?: Resolver<ResolversTypes['AuthEventConnection'], ParentType, ContextType, RequireFields<QueryAuthEventsArgs, 'first'>>;
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  users?: Resolver<ResolversTypes['UserConnection'], ParentType, ContextType, RequireFields<QueryUsersArgs, 'first'>>;
}>;

export type UserResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  active?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['EmailAddress']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastLoginAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  role?: Resolver<Maybe<ResolversTypes['Role']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['UserState']>, ParentType, ContextType>;
}>;

export type UserConnectionResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['UserEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type UserEdgeResolvers<ContextType = UsersContext, ParentType extends ResolversParentTypes['UserEdge'] = ResolversParentTypes['UserEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = UsersContext> = ResolversObject<{
  AuthEvent?: AuthEventResolvers<ContextType>;
  AuthEventConnection?: AuthEventConnectionResolvers<ContextType>;
  AuthEventEdge?: AuthEventEdgeResolvers<ContextType>;
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  EmailAddress?: GraphQLScalarType;
  Invitation?: InvitationResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  UserEdge?: UserEdgeResolvers<ContextType>;
}>;

