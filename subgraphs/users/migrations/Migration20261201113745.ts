import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12: account states (PENDING until an admin approves, DEACTIVATED instead of active =
 * false), invitations, the append-only auth event trail, and the revocation announcement (a
 * NOTIFY on the channel every service's verifier hears through the users subgraph, sent when the
 * cut-off commits).
 */
export class Migration20261201113745 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "users"."auth_event" ("id" uuid not null, "at" timestamptz not null, "action" text check ("action" in ('SIGN_IN', 'SIGN_UP', 'REFRESH', 'REFRESH_REUSE', 'LOGOUT', 'PASSWORD_CHANGE', 'ROLE_CHANGE', 'APPROVAL', 'INVITATION', 'DEACTIVATION')) not null, "outcome" text check ("outcome" in ('SUCCESS', 'DENIED', 'FAILED')) not null, "actor_id" uuid null, "target_user_id" uuid null, "client_address" varchar(64) null, "request_id" varchar(128) null, constraint "auth_event_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "auth_event_at_id_index" on "users"."auth_event" ("at", "id");`);
    this.addSql(`create index "auth_event_target_user_id_at_index" on "users"."auth_event" ("target_user_id", "at");`);
    this.addSql(`create index "auth_event_actor_id_at_index" on "users"."auth_event" ("actor_id", "at");`);
    // Append-only: the service role keeps INSERT and SELECT only, and a trigger refuses the rest
    // to everyone (the schema owner included).
    this.addSql(`revoke update, delete, truncate on "users"."auth_event" from "healthsync_users";`);
    this.addSql(
      `create function "users"."auth_event_append_only"() returns trigger language plpgsql as $$ begin raise exception 'auth_event is append-only'; end $$;`,
    );
    this.addSql(
      `create trigger "auth_event_append_only" before update or delete or truncate on "users"."auth_event" for each statement execute function "users"."auth_event_append_only"();`,
    );

    this.addSql(
      `create table "users"."invitation" ("id" uuid not null, "email" citext not null, "role" text check ("role" in ('ADMIN', 'CLINICIAN', 'VIEWER')) not null, "token_hash" varchar(64) not null, "created_by" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "used_by" uuid null, constraint "invitation_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "invitation_email_index" on "users"."invitation" ("email");`);
    this.addSql(
      `alter table "users"."invitation" add constraint "invitation_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `alter table "users"."account" add column "state" text check ("state" in ('PENDING', 'ACTIVE', 'DEACTIVATED')) not null default 'ACTIVE';`,
    );
    this.addSql(`update "users"."account" set "state" = 'DEACTIVATED' where not "active";`);
    this.addSql(`alter table "users"."account" drop column "active";`);
    this.addSql(`alter table "users"."account" alter column "role" drop default;`);
    this.addSql(`alter table "users"."account" alter column "role" type text using ("role"::text);`);
    this.addSql(`alter table "users"."account" alter column "role" drop not null;`);
    // Only an account waiting for approval (or deactivated while waiting) has no role.
    this.addSql(
      `alter table "users"."account" add constraint "account_active_has_role" check ("role" is not null or "state" <> 'ACTIVE');`,
    );

    // Every cut-off (deactivation, role or password change) is announced when it commits.
    this.addSql(
      `create function "users"."announce_revocation"() returns trigger language plpgsql as $$ begin perform pg_notify('healthsync_revocations', new."id"::text); return null; end $$;`,
    );
    this.addSql(
      `create trigger "account_announce_revocation" after update of "tokens_valid_after" on "users"."account" for each row when (new."tokens_valid_after" is distinct from old."tokens_valid_after") execute function "users"."announce_revocation"();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "account_announce_revocation" on "users"."account";`);
    this.addSql(`drop function if exists "users"."announce_revocation"();`);

    this.addSql(`drop table if exists "users"."auth_event" cascade;`);
    this.addSql(`drop function if exists "users"."auth_event_append_only"();`);

    this.addSql(`drop table if exists "users"."invitation" cascade;`);

    this.addSql(`alter table "users"."account" drop constraint if exists "account_active_has_role";`);
    this.addSql(`alter table "users"."account" add column "active" bool not null default true;`);
    this.addSql(`update "users"."account" set "active" = ("state" = 'ACTIVE');`);
    this.addSql(`alter table "users"."account" drop column "state";`);
    this.addSql(`update "users"."account" set "role" = 'VIEWER' where "role" is null;`);
    this.addSql(`alter table "users"."account" alter column "role" type text using ("role"::text);`);
    this.addSql(`alter table "users"."account" alter column "role" set default 'CLINICIAN';`);
    this.addSql(`alter table "users"."account" alter column "role" set not null;`);
  }
}
