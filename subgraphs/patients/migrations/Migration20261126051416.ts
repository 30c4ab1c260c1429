import { Migration } from '@mikro-orm/migrations';

export class Migration20261126051416 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "patients";`);
    this.addSql(
      `create table "patients"."audit_event" ("id" uuid not null, "at" timestamptz not null, "actor_id" uuid null, "actor_role" text check ("actor_role" in ('ADMIN', 'CLINICIAN', 'VIEWER')) null, "action" text check ("action" in ('CREATE', 'READ', 'SEARCH', 'UPDATE', 'ARCHIVE', 'RESTORE', 'IMPORT', 'EXPORT')) not null, "patient_id" uuid null, "outcome" text check ("outcome" in ('SUCCESS', 'DENIED', 'FAILED')) not null, "request_id" varchar(128) not null, "operation_name" varchar(200) null, constraint "audit_event_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "audit_event_actor_id_index" on "patients"."audit_event" ("actor_id");`);
    this.addSql(`create index "audit_event_patient_id_index" on "patients"."audit_event" ("patient_id");`);
    this.addSql(`create index "audit_event_at_id_index" on "patients"."audit_event" ("at", "id");`);

    this.addSql(
      `create table "patients"."patient" ("id" uuid not null, "mrn" varchar(32) not null, "version" int not null default 1, "given_name" varchar(100) not null, "family_name" varchar(100) not null, "gender" text check ("gender" in ('MALE', 'FEMALE', 'OTHER', 'UNKNOWN')) not null, "birth_date" date null, "deceased_at" timestamptz null, "email" varchar(254) null, "phone" varchar(16) null, "address" jsonb null, "identifiers" jsonb not null, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "created_by_id" uuid null, "updated_by_id" uuid null, constraint "patient_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "patients"."patient" add constraint "patient_mrn_unique" unique ("mrn");`);

    this.addSql(
      `create table "patients"."patient_identifier" ("system" varchar(255) not null, "value" varchar(100) not null, "patient_id" uuid not null, constraint "patient_identifier_pkey" primary key ("system", "value"));`,
    );
    this.addSql(
      `alter table "patients"."patient_identifier" add constraint "patient_identifier_patient_id_system_unique" unique ("patient_id", "system");`,
    );

    this.addSql(
      `create table "patients"."patient_version" ("id" uuid not null, "patient_id" uuid not null, "version" int not null, "action" text check ("action" in ('CREATE', 'UPDATE', 'ARCHIVE', 'RESTORE', 'IMPORT')) not null, "changed_at" timestamptz not null, "changed_by_id" uuid null, "snapshot" jsonb not null, constraint "patient_version_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "patients"."patient_version" add constraint "patient_version_patient_id_version_unique" unique ("patient_id", "version");`,
    );

    this.addSql(
      `alter table "patients"."patient_identifier" add constraint "patient_identifier_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "patients"."patient_version" add constraint "patient_version_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade on delete cascade;`,
    );

    // Search (hand-written): unaccent() is only STABLE (its dictionary could change), so indexes use
    // an IMMUTABLE wrapper that pins the dictionary; queries call the same function.
    this.addSql(
      `create function "patients"."search_normalize"(text) returns text language sql immutable parallel safe strict as $$ select lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;`,
    );
    this.addSql(
      `create index "patient_search_name_trgm" on "patients"."patient" using gin ("patients"."search_normalize"("given_name" || ' ' || "family_name") public.gin_trgm_ops);`,
    );
    this.addSql(`create index "patient_mrn_prefix" on "patients"."patient" ("mrn" text_pattern_ops);`);
    this.addSql(
      `create index "patient_identifier_value_prefix" on "patients"."patient_identifier" (lower("value") text_pattern_ops);`,
    );

    // Keyset pagination: one index per sort order, the id breaking ties.
    this.addSql(`create index "patient_family_name_id_index" on "patients"."patient" ("family_name", "id");`);
    this.addSql(`create index "patient_created_at_id_index" on "patients"."patient" ("created_at", "id");`);
    this.addSql(`create index "patient_updated_at_id_index" on "patients"."patient" ("updated_at", "id");`);
    this.addSql(
      `create index "patient_birth_date_asc_index" on "patients"."patient" (coalesce("birth_date", 'infinity'::date), "id");`,
    );
    this.addSql(
      `create index "patient_birth_date_desc_index" on "patients"."patient" (coalesce("birth_date", '-infinity'::date), "id");`,
    );
    this.addSql(
      `create index "patient_version_patient_id_version_desc" on "patients"."patient_version" ("patient_id", "version" desc);`,
    );

    // The audit log is append-only: the service role keeps INSERT and SELECT only, and a trigger
    // refuses changes from anyone else too (the table owner included).
    this.addSql(`revoke update, delete, truncate on "patients"."audit_event" from "healthsync_patients";`);
    this.addSql(
      `create function "patients"."audit_event_append_only"() returns trigger language plpgsql as $$ begin raise exception 'audit_event is append-only'; end $$;`,
    );
    this.addSql(
      `create trigger "audit_event_append_only" before update or delete or truncate on "patients"."audit_event" for each statement execute function "patients"."audit_event_append_only"();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "patients"."audit_event" cascade;`);
    this.addSql(`drop function if exists "patients"."audit_event_append_only"();`);
    this.addSql(`drop table if exists "patients"."patient_version" cascade;`);
    this.addSql(`drop table if exists "patients"."patient_identifier" cascade;`);
    this.addSql(`drop table if exists "patients"."patient" cascade;`);
    this.addSql(`drop function if exists "patients"."search_normalize"(text);`);
  }
}
