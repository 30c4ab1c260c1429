import { Migration } from '@mikro-orm/migrations';

export class Migration20261126051340 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "users"."login_throttle" ("key" varchar(255) not null, "points" int not null default 0, "expire" bigint null, constraint "login_throttle_pkey" primary key ("key"));`,
    );

    this.addSql(`alter table "users"."account" add column "tokens_valid_after" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "users"."login_throttle" cascade;`);

    this.addSql(`alter table "users"."account" drop column "tokens_valid_after";`);
  }
}
