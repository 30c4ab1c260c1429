import { Migration } from '@mikro-orm/migrations';

/**
 * The clinical record (issue 15): one table per FHIR resource type, keyed by the FHIR id, with the
 * modelled columns and the resource as jsonb; audit rows name the resource type they are about.
 */
export class Migration20261201113610 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "patients"."observation" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "category" varchar(64) null, "status" varchar(32) not null, "effective_at" timestamptz not null, "value" double precision null, "value_unit" varchar(64) null, "value_system" varchar(255) null, "value_code" varchar(64) null, "value_text" text null, "components" jsonb not null, constraint "observation_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "observation_patient_id_effective_at_id_index" on "patients"."observation" ("patient_id", "effective_at", "id");`,
    );
    this.addSql(
      `create index "observation_patient_id_code_effective_at_id_index" on "patients"."observation" ("patient_id", "code", "effective_at", "id");`,
    );
    this.addSql(
      `create index "observation_patient_id_category_effective_at_id_index" on "patients"."observation" ("patient_id", "category", "effective_at", "id");`,
    );

    this.addSql(
      `create table "patients"."medication_request" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "status" varchar(32) not null, "active" boolean not null, "intent" varchar(32) null, "authored_at" timestamptz null, "dosage" text null, constraint "medication_request_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "medication_request_patient_id_active_index" on "patients"."medication_request" ("patient_id", "active");`,
    );
    this.addSql(
      `create index "medication_request_code_system_code_index" on "patients"."medication_request" ("code_system", "code");`,
    );

    this.addSql(
      `create table "patients"."immunization" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "status" varchar(32) not null, "occurred_at" timestamptz null, constraint "immunization_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "immunization_patient_id_occurred_at_index" on "patients"."immunization" ("patient_id", "occurred_at");`,
    );
    this.addSql(
      `create index "immunization_code_system_code_index" on "patients"."immunization" ("code_system", "code");`,
    );

    this.addSql(
      `create table "patients"."encounter" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "status" varchar(32) not null, "class_code" varchar(32) null, "type_system" varchar(255) null, "type_code" varchar(100) null, "type_display" text null, "period_start" timestamptz not null, "period_end" timestamptz null, "reason_system" varchar(255) null, "reason_code" varchar(100) null, "reason_display" text null, constraint "encounter_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "encounter_patient_id_period_start_id_index" on "patients"."encounter" ("patient_id", "period_start", "id");`,
    );

    this.addSql(
      `create table "patients"."condition" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "clinical_status" varchar(32) null, "verification_status" varchar(32) null, "active" boolean not null, "onset_at" timestamptz null, "abated_at" timestamptz null, "recorded_at" timestamptz null, constraint "condition_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "condition_patient_id_active_index" on "patients"."condition" ("patient_id", "active");`);
    this.addSql(`create index "condition_code_system_code_index" on "patients"."condition" ("code_system", "code");`);
    // patients(filter: { condition }): active conditions by code, and by display text (the same
    // case- and accent-folding as patient search, so trigrams serve substring matches).
    this.addSql(`create index "condition_active_code" on "patients"."condition" ("code") where "active";`);
    this.addSql(
      `create index "condition_active_display_trgm" on "patients"."condition" using gin ("patients"."search_normalize"("display") public.gin_trgm_ops) where "active";`,
    );

    this.addSql(
      `create table "patients"."allergy_intolerance" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "clinical_status" varchar(32) null, "verification_status" varchar(32) null, "category" varchar(32) null, "criticality" varchar(32) null, "recorded_at" timestamptz null, constraint "allergy_intolerance_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "allergy_intolerance_patient_id_index" on "patients"."allergy_intolerance" ("patient_id");`,
    );
    this.addSql(
      `create index "allergy_intolerance_code_system_code_index" on "patients"."allergy_intolerance" ("code_system", "code");`,
    );

    this.addSql(
      `create table "patients"."procedure" ("id" varchar(64) not null, "patient_id" uuid not null, "version" int not null, "last_updated" timestamptz not null, "resource" jsonb not null, "encounter_id" varchar(64) null, "code_system" varchar(255) null, "code" varchar(100) not null, "display" text null, "status" varchar(32) not null, "performed_at" timestamptz null, constraint "procedure_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "procedure_patient_id_performed_at_index" on "patients"."procedure" ("patient_id", "performed_at");`,
    );
    this.addSql(`create index "procedure_code_system_code_index" on "patients"."procedure" ("code_system", "code");`);

    this.addSql(
      `alter table "patients"."observation" add constraint "observation_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."medication_request" add constraint "medication_request_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."immunization" add constraint "immunization_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."encounter" add constraint "encounter_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."condition" add constraint "condition_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."allergy_intolerance" add constraint "allergy_intolerance_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "patients"."procedure" add constraint "procedure_patient_id_foreign" foreign key ("patient_id") references "patients"."patient" ("id") on update cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "patients"."observation" cascade;`);

    this.addSql(`drop table if exists "patients"."medication_request" cascade;`);

    this.addSql(`drop table if exists "patients"."immunization" cascade;`);

    this.addSql(`drop table if exists "patients"."encounter" cascade;`);

    this.addSql(`drop table if exists "patients"."condition" cascade;`);

    this.addSql(`drop table if exists "patients"."allergy_intolerance" cascade;`);

    this.addSql(`drop table if exists "patients"."procedure" cascade;`);
  }
}
