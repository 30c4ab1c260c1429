import { Migration } from '@mikro-orm/migrations';

export class Migration20261126050628 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "users";`);
    this.addSql(
      `create table "users"."account" ("id" uuid not null, "email" citext not null, "name" varchar(200) not null, "password_hash" text not null, "role" text check ("role" in ('ADMIN', 'CLINICIAN', 'VIEWER')) not null default 'CLINICIAN', "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_login_at" timestamptz null, constraint "account_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "users"."account" add constraint "account_email_unique" unique ("email");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "users"."account" cascade;`);
  }
}
