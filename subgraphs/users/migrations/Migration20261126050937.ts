import { Migration } from '@mikro-orm/migrations';

export class Migration20261126050937 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "users";`);
    this.addSql(
      `create table "users"."account" ("id" uuid not null, "email" citext not null, "name" varchar(200) not null, "password_hash" text not null, "role" text check ("role" in ('ADMIN', 'CLINICIAN', 'VIEWER')) not null default 'CLINICIAN', "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_login_at" timestamptz null, constraint "account_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users"."account" add constraint "account_email_unique" unique ("email");`);

    this.addSql(
      `create table "users"."refresh_session" ("id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "family_expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, constraint "refresh_session_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "refresh_session_user_id_index" on "users"."refresh_session" ("user_id");`);
    this.addSql(`create index "refresh_session_family_id_index" on "users"."refresh_session" ("family_id");`);
    this.addSql(
      `alter table "users"."refresh_session" add constraint "refresh_session_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `alter table "users"."refresh_session" add constraint "refresh_session_user_id_foreign" foreign key ("user_id") references "users"."account" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "users"."refresh_session" cascade;`);
    this.addSql(`drop table if exists "users"."account" cascade;`);
  }
}
