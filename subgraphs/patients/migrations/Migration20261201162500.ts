import { Migration } from '@mikro-orm/migrations';

/**
 * Natural-language search (issue 16): the places and codes patientSearch filters on, each an
 * index of its own. Written by hand (expressions and partial indexes; the entities name them).
 */
export class Migration20261201162500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "patient_address_city" on "patients"."patient" ("patients"."search_normalize"("address"->>'city')) where "active";`,
    );
    this.addSql(
      `create index "patient_address_state" on "patients"."patient" ("patients"."search_normalize"("address"->>'state')) where "active";`,
    );
    this.addSql(
      `create index "patient_address_postal_code" on "patients"."patient" (left("address"->>'postalCode', 5)) where "active";`,
    );
    this.addSql(
      `create index "medication_request_active_code" on "patients"."medication_request" ("code") where "active";`,
    );
    this.addSql(`create index "allergy_intolerance_code" on "patients"."allergy_intolerance" ("code");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "patients"."allergy_intolerance_code";`);
    this.addSql(`drop index if exists "patients"."medication_request_active_code";`);
    this.addSql(`drop index if exists "patients"."patient_address_postal_code";`);
    this.addSql(`drop index if exists "patients"."patient_address_state";`);
    this.addSql(`drop index if exists "patients"."patient_address_city";`);
  }
}
